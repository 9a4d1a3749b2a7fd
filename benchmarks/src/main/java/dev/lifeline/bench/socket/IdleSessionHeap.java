package dev.lifeline.bench.socket;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import io.netty.channel.ChannelOption;
import java.lang.management.ManagementFactory;
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
 * <p>Usage: {@code java -Xmx1g -cp benchmarks.jar dev.lifeline.bench.socket.IdleSessionHeap
 * [k=1000] [rounds=3]}
 */
public final class IdleSessionHeap {

  private IdleSessionHeap() {}

  public static void main(String[] args) throws Exception {
    int k = EchoThroughput.intArg(args, "k", 1_000);
    int rounds = EchoThroughput.intArg(args, "rounds", 3);
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(Resume.defaults()).build();
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .route(routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))))
            .bindNow();
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

  /** Bytes of heap per idle connection, client and server together. */
  private static double measure(String uri, int k, boolean resume) throws Exception {
    long before = usedAfterGc();
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
    long after = usedAfterGc();
    for (SupervisedConnection connection : connections) {
      connection.close().block(Duration.ofSeconds(10));
    }
    Thread.sleep(500);
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
