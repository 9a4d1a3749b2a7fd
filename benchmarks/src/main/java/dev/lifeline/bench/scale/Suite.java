package dev.lifeline.bench.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs the scale, peer and reconnect-storm measurements, each client and server in its own JVM on
 * loopback, and writes their {@code RESULT} lines and a Markdown summary under {@code out}.
 *
 * <p>Usage: {@code Suite mode=quick|full out=results/scale [parts=scale,peers,storm]}; {@code
 * parts} (default all three) runs a subset, e.g. {@code parts=scale} for the scale rows alone.
 */
public final class Suite {
  private static final String HOSTS = "127.0.0.1,127.0.0.2";

  private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private final String classpath = System.getProperty("java.class.path");
  private final Path out;
  private final PrintWriter log;
  private final int settle;
  private final int measure;

  private Suite(Path out, int settle, int measure) throws IOException {
    this.out = out;
    Files.createDirectories(out);
    this.log =
        new PrintWriter(
            Files.newBufferedWriter(out.resolve("results.txt"), StandardCharsets.UTF_8), true);
    this.settle = settle;
    this.measure = measure;
  }

  public static void main(String[] args) throws Exception {
    Args a = new Args(args);
    boolean quick = a.string("mode", "quick").equals("quick");
    int kMax = fileLimit() - 500;
    List<Integer> scaleKs = quick ? List.of(300) : List.of(1000, 5000, kMax);
    List<Integer> peerKs = quick ? List.of(300) : List.of(1000, 2000);
    int stormK = quick ? 300 : a.integer("stormk", 5000);
    Suite suite =
        new Suite(Path.of(a.string("out", "results/scale")), quick ? 3 : 5, quick ? 5 : 20);
    List<String> parts = List.of(a.string("parts", "scale,peers,storm").split(","));
    suite.say(
        "file limit " + fileLimit() + ", largest K " + kMax + "; quick=" + quick + "; " + parts);

    List<Map<String, String>> scale = new ArrayList<>();
    for (int k : parts.contains("scale") ? scaleKs : List.<Integer>of()) {
      scale.add(suite.scale("lifeline", k));
      scale.add(suite.scale("raw", k));
    }
    List<Map<String, String>> peers = new ArrayList<>();
    for (int k : parts.contains("peers") ? peerKs : List.<Integer>of()) {
      if (!scaleKs.contains(k) || !parts.contains("scale")) {
        peers.add(suite.scale("lifeline", k));
      }
      peers.add(suite.scale("okhttp", k));
      peers.add(suite.scale("javaws", k));
    }
    List<Map<String, String>> storms = new ArrayList<>();
    if (parts.contains("storm")) {
      storms.add(suite.storm(stormK, "fixed"));
      storms.add(suite.storm(stormK, "jitter"));
      // the server stays up (standing in for the instance that takes over) and drains: all at
      // once, then spread over 5 s with a 10 s hint; clients keep the default fixed 5 s
      storms.add(suite.drainStorm(stormK, 0, 0));
      storms.add(suite.drainStorm(stormK, 5_000, 10_000));
    }
    suite.summary(scale, peers, storms);
  }

  private Map<String, String> scale(String kind, int k) throws Exception {
    String name = kind + "-" + k;
    say("scale " + name);
    Process server = startServer(0, name);
    try {
      int port = Integer.parseInt(waitFor(server, "READY", 30).split(" ")[1]);
      Process client =
          startClient(
              name,
              "kind=" + kind,
              "k=" + k,
              "port=" + port,
              "hosts=" + HOSTS,
              "settle=" + settle,
              "measure=" + measure);
      try {
        String result = waitFor(client, "RESULT", 240);
        say(result);
        return parse(result);
      } finally {
        stop(server); // server first: its side keeps the TIME_WAIT sockets, not the client's ports
        stop(client);
      }
    } finally {
      stop(server);
    }
  }

  private Map<String, String> storm(int k, String retry) throws Exception {
    String name = "storm-" + retry + "-" + k;
    say("storm " + name);
    Process server = startServer(0, name + "-server-1");
    int port = Integer.parseInt(waitFor(server, "READY", 30).split(" ")[1]);
    Process client = startStormClient(name, k, port, retry);
    Process restarted = null;
    try {
      waitFor(client, "STORM_READY", 240);
      stop(server); // SIGKILL: the kernel closes every server socket at once
      Thread.sleep(3000);
      restarted = startServer(port, name + "-server-2");
      waitFor(restarted, "READY", 30);
      return stormResult(client);
    } finally {
      if (restarted != null) {
        stop(restarted);
      }
      stop(client);
    }
  }

  /**
   * A restart by drain: the server closes every client with 1012, spread over {@code windowMs} and
   * with a {@code hintMs} "reconnect within" hint (none for 0), and stays up; the clients, on the
   * default fixed 5 s, come back to it.
   */
  private Map<String, String> drainStorm(int k, long windowMs, long hintMs) throws Exception {
    String label = "drain " + windowMs + " ms, hint " + (hintMs == 0 ? "none" : hintMs + " ms");
    String name = "storm-drain-" + windowMs + "-" + hintMs + "-" + k;
    say("storm " + name);
    Process server = startServer(0, name + "-server");
    int port = Integer.parseInt(waitFor(server, "READY", 30).split(" ")[1]);
    Process client = startStormClient(name, k, port, "fixed");
    try {
      waitFor(client, "STORM_READY", 240);
      try (PrintWriter commands =
          new PrintWriter(
              new OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8), true)) {
        commands.println("drain " + windowMs + " " + hintMs);
        waitFor(server, "DRAINED", 120);
      }
      Map<String, String> parsed = stormResult(client);
      parsed.put("retry", "fixed 5 s, " + label);
      return parsed;
    } finally {
      stop(server);
      stop(client);
    }
  }

  /** A storm client of {@code k} Lifeline connections on {@code retry}. */
  private Process startStormClient(String name, int k, int port, String retry) throws IOException {
    return startClient(
        name,
        "kind=lifeline",
        "k=" + k,
        "port=" + port,
        "hosts=" + HOSTS,
        "settle=" + settle,
        "retry=" + retry,
        "storm=true");
  }

  /** The storm client's RESULT line, parsed, with its attempts per 100 ms as {@code series}. */
  private Map<String, String> stormResult(Process client) throws InterruptedException {
    String result = waitFor(client, "RESULT", 150);
    String series = waitFor(client, "ATTEMPTS_PER_100MS", 5);
    say(result);
    say(series);
    Map<String, String> parsed = parse(result);
    parsed.put("series", series.substring(series.indexOf(' ') + 1));
    return parsed;
  }

  private Process startServer(int port, String name) throws IOException {
    return start(
        name + "-server",
        List.of(
            java,
            "-Xmx1g",
            "-cp",
            classpath,
            ScaleServer.class.getName(),
            "port=" + port,
            "hosts=" + HOSTS));
  }

  private Process startClient(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(java, "-Xmx2g", "-cp", classpath));
    command.add(ScaleClient.class.getName());
    command.addAll(List.of(args));
    return start(name + "-client", command);
  }

  private final Map<Process, BlockingQueue<String>> lines = new LinkedHashMap<>();

  private Process start(String name, List<String> command) throws IOException {
    Path logFile = out.resolve(name + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    lines.put(process, queue);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter file =
                      new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  file.println(line);
                  file.flush();
                  queue.add(line);
                }
              } catch (IOException e) {
                queue.add("READ_FAILED " + e);
              }
            },
            name + "-reader");
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  private String waitFor(Process process, String prefix, int seconds) throws InterruptedException {
    BlockingQueue<String> queue = lines.get(process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String line = queue.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
      if (line == null && !process.isAlive() && queue.isEmpty()) {
        break;
      }
    }
    throw new IllegalStateException(
        "no " + prefix + " line within " + seconds + " s from " + process.info().commandLine());
  }

  private static void stop(Process process) throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Map<String, String> parse(String line) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String part : line.split(" ")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        values.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return values;
  }

  private void summary(
      List<Map<String, String>> scale,
      List<Map<String, String>> peers,
      List<Map<String, String>> storms)
      throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("## Scale: K heartbeating connections (1 s text heartbeat), client JVM\n\n");
    md.append(
        "| kind | K | connected | heap/conn (B) | RSS/conn (B) | threads | CPU (cores) |"
            + " RTT p50 (ms) | RTT p99 (ms) | RTT max (ms) | false deaths |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, String> r : scale) {
      row(md, r);
    }
    md.append("\n### Ratios Lifeline / raw\n\n| K | heap | CPU | threads | RTT p99 |\n");
    md.append("|---|---|---|---|---|\n");
    for (int i = 0; i + 1 < scale.size(); i += 2) {
      Map<String, String> l = scale.get(i);
      Map<String, String> r = scale.get(i + 1);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %.2f | %.2f | %.2f |\n",
              l.get("k"),
              ratio(l, r, "heap_per_conn_B"),
              ratio(l, r, "cpu_cores"),
              ratio(l, r, "threads"),
              ratio(l, r, "rtt_p99_ms")));
    }
    md.append("\n## Peers (same server, same heartbeat period)\n\n");
    md.append(
        "| kind | K | connected | heap/conn (B) | RSS/conn (B) | threads | CPU (cores) |"
            + " RTT p50 (ms) | RTT p99 (ms) | RTT max (ms) | false deaths |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, String> r : peers) {
      row(md, r);
    }
    md.append(
        "\n## Reconnect storm (fixed, jitter: server killed, restarted 3 s later;"
            + " drain: server drains and stays up)\n\n");
    md.append(
        "| retry | K | reconnected | all back after (s) | peak attempts / 100 ms |"
            + " failed attempts | gave up |\n|---|---|---|---|---|---|---|\n");
    for (Map<String, String> s : storms) {
      md.append(
          String.format(
              "| %s | %s | %s | %s | %s | %s | %s |\n",
              s.get("retry"),
              s.get("k"),
              s.get("reconnected"),
              s.get("recovery_s"),
              s.get("peak_attempts_per_100ms"),
              s.get("failed_attempts"),
              s.get("gave_up")));
    }
    Files.writeString(out.resolve("summary.md"), md.toString());
    System.out.println(md);
  }

  private static void row(StringBuilder md, Map<String, String> r) {
    md.append(
        String.format(
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
            r.get("kind"),
            r.get("k"),
            r.get("connected"),
            r.get("heap_per_conn_B"),
            r.get("rss_per_conn_B"),
            r.get("threads"),
            r.get("cpu_cores"),
            r.get("rtt_count").equals("0") ? "n/a" : r.get("rtt_p50_ms"),
            r.get("rtt_count").equals("0") ? "n/a" : r.get("rtt_p99_ms"),
            r.get("rtt_count").equals("0") ? "n/a" : r.get("rtt_max_ms"),
            r.get("deaths")));
  }

  private static double ratio(Map<String, String> a, Map<String, String> b, String key) {
    return Double.parseDouble(a.get(key)) / Double.parseDouble(b.get(key));
  }

  private void say(String line) {
    String stamped = LocalTime.now().withNano(0) + " " + line;
    System.out.println(stamped);
    log.println(stamped);
  }

  /** The soft limit on open files of this process, which its child JVMs inherit. */
  static int fileLimit() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        return Integer.parseInt(line.split("\\s+")[3]);
      }
    }
    return 1024;
  }
}
