package dev.lifeline.bench.socket;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import io.netty.channel.ChannelOption;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Heap per idle connection with resume against without, client and server in one JVM: {@code k}
 * Lifeline clients connect to a resuming {@code ServerSupervisor} echo, with resume on (a session
 * on each side) or off (the server then serves them plain), and wait, idle; the heap in use after a
 * full GC, minus the same before they connected, divided by {@code k}. The difference between the
 * two is what an idle resume session costs, both sides together. Rounds alternate the two modes;
 * medians.
 *
 * <p>With {@code split=1} the server runs in a child JVM and each side is measured in its own.
 *
 * <p>Usage: {@code java -Xmx1g -cp benchmarks.jar dev.lifeline.bench.socket.IdleSessionHeap
 * [k=1000] [rounds=3] [split=0|1]}
 */
public final class IdleSessionHeap {

  private IdleSessionHeap() {}

  public static void main(String[] args) throws Exception {
    int k = EchoThroughput.intArg(args, "k", 1_000);
    int rounds = EchoThroughput.intArg(args, "rounds", 3);
    if (EchoThroughput.intArg(args, "split", 0) == 1) {
      bySide(k, rounds);
      return;
    }
    DisposableServer server = startServer();
    String uri = "ws://127.0.0.1:" + server.port() + "/ws";
    measure(uri, 200, false); // warm-up: classes loaded, pools grown
    measure(uri, 200, true);
    double[] off = new double[rounds];
    double[] on = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      off[i] = measure(uri, k, false);
      on[i] = measure(uri, k, true);
      System.out.printf(Locale.ROOT, "round %d: off %.0f B, on %.0f B%n", i + 1, off[i], on[i]);
    }
    double offMedian = EchoThroughput.median(off);
    double onMedian = EchoThroughput.median(on);
    System.out.printf(
        Locale.ROOT,
        "RESULT idle-session-heap k=%d rounds=%d off_B_per_connection=%.0f"
            + " on_B_per_connection=%.0f resume_extra_B_per_session_both_sides=%.0f ratio=%.3f%n",
        k,
        rounds,
        offMedian,
        onMedian,
        onMedian - offMedian,
        onMedian / offMedian);
    server.disposeNow(Duration.ofSeconds(10));
    System.exit(0);
  }

  private static DisposableServer startServer() {
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(Resume.defaults()).build();
    return HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .route(routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))))
        .bindNow();
  }

  /**
   * {@code split=1}: the server in a child JVM ({@link ServerSide}), so that each side's heap is
   * measured in its own JVM: per idle connection and per idle session, client and server apart.
   */
  private static void bySide(int k, int rounds) throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                ServerSide.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader fromServer =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    PrintWriter toServer =
        new PrintWriter(
            new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8), true);
    String uri = "ws://127.0.0.1:" + Long.parseLong(fromServer.readLine().split(" ")[1]) + "/ws";
    double[][] client = new double[2][rounds];
    double[][] server = new double[2][rounds];
    for (int round = -1; round < rounds; round++) {
      for (int mode = 0; mode < 2; mode++) {
        int n = round < 0 ? 200 : k; // round -1: warm-up, not recorded
        toServer.println("heap");
        long serverBefore = Long.parseLong(fromServer.readLine());
        long clientBefore = usedAfterGc();
        List<SupervisedConnection> open = open(uri, n, mode == 1);
        toServer.println("heap");
        long serverAfter = Long.parseLong(fromServer.readLine());
        long clientAfter = usedAfterGc();
        close(open);
        if (round >= 0) {
          client[mode][round] = (clientAfter - clientBefore) / (double) n;
          server[mode][round] = (serverAfter - serverBefore) / (double) n;
          System.out.printf(
              Locale.ROOT,
              "round %d %s: client %.0f B, server %.0f B per connection%n",
              round + 1,
              mode == 1 ? "on" : "off",
              client[mode][round],
              server[mode][round]);
        }
      }
    }
    child.destroyForcibly();
    double clientOff = EchoThroughput.median(client[0]);
    double clientOn = EchoThroughput.median(client[1]);
    double serverOff = EchoThroughput.median(server[0]);
    double serverOn = EchoThroughput.median(server[1]);
    System.out.printf(
        Locale.ROOT,
        "RESULT idle-session-heap-by-side k=%d rounds=%d client_off_B=%.0f client_on_B=%.0f"
            + " client_extra_B=%.0f client_ratio=%.3f server_off_B=%.0f server_on_B=%.0f"
            + " server_extra_B=%.0f server_ratio=%.3f%n",
        k,
        rounds,
        clientOff,
        clientOn,
        clientOn - clientOff,
        clientOn / clientOff,
        serverOff,
        serverOn,
        serverOn - serverOff,
        serverOn / serverOff);
    System.exit(0);
  }

  /**
   * The server JVM of {@code split=1}: prints {@code PORT <p>}, then its heap after GC per line.
   */
  public static final class ServerSide {
    private ServerSide() {}

    public static void main(String[] args) throws Exception {
      DisposableServer server = startServer();
      System.out.println("PORT " + server.port());
      System.out.flush();
      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (commands.readLine() != null) {
        Thread.sleep(500); // the last connections settle before the count
        System.out.println(usedAfterGc());
        System.out.flush();
      }
    }
  }

  private static List<SupervisedConnection> open(String uri, int k, boolean resume)
      throws Exception {
    Supervisor base = Supervisor.create(WebSocketTransport.create(uri));
    Supervisor supervisor = resume ? base.resume(Resume.defaults()) : base;
    List<SupervisedConnection> connections = new ArrayList<>(k);
    CountDownLatch up = new CountDownLatch(k);
    for (int i = 0; i < k; i++) {
      SupervisedConnection connection = supervisor.connection();
      Class<? extends ConnectionEvent> ready =
          resume ? ConnectionEvent.SessionStarted.class : ConnectionEvent.Connected.class;
      connection.events().filter(ready::isInstance).next().subscribe(e -> up.countDown());
      connection.inbound().subscribe(frame -> {}, error -> {});
      connections.add(connection);
    }
    if (!up.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(up.getCount() + " of " + k + " connections did not open");
    }
    Thread.sleep(500);
    return connections;
  }

  private static void close(List<SupervisedConnection> connections) throws InterruptedException {
    for (SupervisedConnection connection : connections) {
      connection.close().block(Duration.ofSeconds(10));
    }
    Thread.sleep(500);
  }

  /** Bytes of heap per idle connection, client and server together. */
  private static double measure(String uri, int k, boolean resume) throws Exception {
    long before = usedAfterGc();
    List<SupervisedConnection> connections = open(uri, k, resume);
    long after = usedAfterGc();
    close(connections);
    return (after - before) / (double) k;
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
