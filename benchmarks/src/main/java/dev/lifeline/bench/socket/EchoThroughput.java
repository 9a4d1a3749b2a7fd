package dev.lifeline.bench.socket;

import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Echo throughput over one real loopback socket per client: two Lifeline-supervised clients and a
 * raw Reactor Netty client, in the same JVM, against the same Lifeline echo server, measured in
 * rotating order round by round so that all see the same machine noise.
 *
 * <p>Each round streams {@code frames} 32-byte text frames and ends when the last echo arrived.
 * Every client generates frames on demand: the raw client hands Reactor Netty a {@code Flux} of
 * {@code TextWebSocketFrame}s; the "supervised" client sends frame by frame, {@code
 * Flux.range(..).concatMap(i -> connection.send(frame))}; the "stream" client hands the streaming
 * {@code connection.send(Flux.range(..).map(i -> frame))} one {@code Flux} per round, the fair
 * counterpart of the raw client. Each client has its own connection. Allocation is the JVM's total
 * over all threads during the round (client and server side), per frame.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.lifeline.bench.socket.EchoThroughput [frames=500000]
 * [warmup=4] [rounds=8]}
 */
public final class EchoThroughput {
  static final String TEXT = "0123456789abcdef0123456789abcdef";
  static final Frame FRAME = Frame.text(TEXT);

  private EchoThroughput() {}

  /** One way of sending a round of frames and waiting for every echo. */
  interface Client {
    void round(int frames) throws InterruptedException;
  }

  public static void main(String[] args) throws Exception {
    int frames = intArg(args, "frames", 500_000);
    int warmup = intArg(args, "warmup", 4);
    int rounds = intArg(args, "rounds", 8);

    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    DisposableServer server = EchoServer.start(supervisor, 0);
    String uri = "ws://127.0.0.1:" + server.port() + "/ws";

    Client raw = rawClient(uri);
    Client supervised = supervisedClient(uri, false);
    Client stream = supervisedClient(uri, true);
    String[] names = {"raw", "supervised", "stream"};
    Client[] clients = {raw, supervised, stream};

    String only = System.getProperty("only", "");
    if (!only.isEmpty()) {
      // profiling aid: run one client alone, e.g. -Donly=stream under a sampling profiler
      Client alone = clients[Arrays.asList(names).indexOf(only)];
      for (int i = 0; i < warmup + rounds; i++) {
        long start = System.nanoTime();
        alone.round(frames);
        System.out.printf(
            Locale.ROOT, "%s %.0f frames/s%n", only, frames / ((System.nanoTime() - start) / 1e9));
      }
      System.exit(0); // not halt: lets a flight recording be written
    }
    for (int i = 0; i < warmup; i++) {
      for (Client c : clients) {
        c.round(frames);
      }
    }
    int n = clients.length;
    double[][] rates = new double[n][rounds];
    double[][] alloc = new double[n][rounds];
    for (int i = 0; i < rounds; i++) {
      // rotate which goes first, so drift in machine load hits all alike
      for (int k = 0; k < n; k++) {
        int c = (i + k) % n;
        measure(clients[c], frames, rates[c], alloc[c], i);
      }
      System.out.printf(
          Locale.ROOT,
          "round %d: raw %.0f frames/s (%.0f B/frame), supervised %.0f frames/s (%.0f B/frame),"
              + " stream %.0f frames/s (%.0f B/frame), ratios %.3f / %.3f%n",
          i + 1,
          rates[0][i],
          alloc[0][i],
          rates[1][i],
          alloc[1][i],
          rates[2][i],
          alloc[2][i],
          rates[1][i] / rates[0][i],
          rates[2][i] / rates[0][i]);
    }
    double rawMedian = median(rates[0]);
    double supMedian = median(rates[1]);
    double streamMedian = median(rates[2]);
    System.out.printf(
        Locale.ROOT,
        "RESULT echo frames=%d rounds=%d raw_median=%.0f supervised_median=%.0f ratio=%.3f"
            + " stream_median=%.0f stream_ratio=%.3f raw_B_per_frame=%.0f"
            + " supervised_B_per_frame=%.0f stream_B_per_frame=%.0f%n",
        frames,
        rounds,
        rawMedian,
        supMedian,
        supMedian / rawMedian,
        streamMedian,
        streamMedian / rawMedian,
        median(alloc[0]),
        median(alloc[1]),
        median(alloc[2]));
    Runtime.getRuntime().halt(0);
  }

  private static void measure(Client client, int frames, double[] rates, double[] alloc, int i)
      throws InterruptedException {
    long bytes = allocatedBytes();
    long start = System.nanoTime();
    client.round(frames);
    long elapsed = System.nanoTime() - start;
    alloc[i] = (allocatedBytes() - bytes) / (double) frames;
    rates[i] = frames / (elapsed / 1e9);
  }

  /** Raw Reactor Netty: one WebSocket, frames from a Flux, echoes counted in the handler. */
  static Client rawClient(String uri) throws InterruptedException {
    Sinks.Many<Flux<TextWebSocketFrame>> rounds = Sinks.many().unicast().onBackpressureBuffer();
    Counter counter = new Counter();
    CountDownLatch open = new CountDownLatch(1);
    HttpClient.create(ConnectionProvider.newConnection())
        .websocket()
        .uri(uri)
        .handle(
            (in, out) -> {
              open.countDown();
              // read each echo's text, as the supervised client's Frame.Text does
              in.receiveFrames()
                  .subscribe(f -> counter.arrived(((TextWebSocketFrame) f).text().length()));
              return out.sendObject(rounds.asFlux().concatMap(round -> round));
            })
        .subscribe();
    if (!open.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("raw client did not connect to " + uri + " within 10 s");
    }
    return n -> {
      CountDownLatch done = counter.expect(n);
      rounds.emitNext(
          Flux.range(0, n).map(i -> new TextWebSocketFrame(TEXT)),
          Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
      await(done, "raw");
    };
  }

  /**
   * Lifeline: one supervised connection over WebSocketTransport with default settings. Frame by
   * frame ({@code concatMap(i -> send(frame))}, one {@code Mono} per frame) or, with {@code
   * streaming}, one {@code send(Flux)} per round, the counterpart of the raw client's {@code
   * sendObject(Flux)}.
   */
  private static Client supervisedClient(String uri, boolean streaming)
      throws InterruptedException {
    return supervisedClient(
        Supervisor.create(WebSocketTransport.create(uri)).connection(), streaming);
  }

  /** As {@link #supervisedClient(String, boolean)}, over a connection the caller configured. */
  static Client supervisedClient(SupervisedConnection connection, boolean streaming)
      throws InterruptedException {
    Counter counter = new Counter();
    CountDownLatch open = new CountDownLatch(1);
    connection
        .events()
        .filter(e -> e instanceof dev.lifeline.ConnectionEvent.Connected)
        .subscribe(e -> open.countDown());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Disposable inbound =
        connection
            .inbound()
            .subscribe(f -> counter.arrived(((Frame.Text) f).text().length()), failure::set);
    if (!open.await(10, TimeUnit.SECONDS)) {
      inbound.dispose();
      throw new IllegalStateException("supervised client did not connect: " + connection);
    }
    return n -> {
      CountDownLatch done = counter.expect(n);
      if (streaming) {
        connection.send(Flux.range(0, n).map(i -> FRAME)).subscribe(null, failure::set);
      } else {
        Flux.range(0, n).concatMap(i -> connection.send(FRAME)).subscribe(null, failure::set);
      }
      await(done, streaming ? "stream" : "supervised");
      if (failure.get() != null) {
        throw new IllegalStateException("supervised client failed", failure.get());
      }
    };
  }

  private static void await(CountDownLatch done, String who) throws InterruptedException {
    if (!done.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(who + " round did not finish within 120 s");
    }
  }

  /** Counts echoes on the event loop and opens a latch when a round's last one arrived. */
  private static final class Counter {
    private volatile CountDownLatch latch;
    private long remaining;
    private long chars;

    synchronized CountDownLatch expect(int n) {
      remaining = n;
      latch = new CountDownLatch(1);
      return latch;
    }

    void arrived(int length) {
      chars += length;
      // one event loop delivers a connection's frames: no concurrent calls
      if (--remaining == 0) {
        latch.countDown();
      }
    }
  }

  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] ids = threads.getAllThreadIds();
    long total = 0;
    for (long b : threads.getThreadAllocatedBytes(ids)) {
      if (b > 0) {
        total += b;
      }
    }
    return total;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static int intArg(String[] args, String name, int fallback) {
    List<String> list = new ArrayList<>(Arrays.asList(args));
    for (String a : list) {
      if (a.startsWith(name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 1));
      }
    }
    return fallback;
  }
}
