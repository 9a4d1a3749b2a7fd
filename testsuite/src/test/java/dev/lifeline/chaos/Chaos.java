package dev.lifeline.chaos;

import dev.lifeline.Heartbeat;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerConnection;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import dev.lifeline.support.RealTime;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.retry.Retry;

/** The chaos matrix's short timings and small helpers; every row runs on real loopback sockets. */
final class Chaos {

  /** Heartbeat interval. */
  static final Duration I = Duration.ofMillis(300);

  /** Heartbeat timeout. */
  static final Duration T = Duration.ofMillis(200);

  /** Delay between reconnect attempts. */
  static final Duration D = Duration.ofMillis(200);

  /** How long a test waits for an outcome before it fails. */
  static final Duration PATIENCE = RealTime.PATIENCE;

  /** Slack allowed past a deadline before a detection counts as late, on a loaded machine. */
  static final Duration SLACK = Duration.ofMillis(1500);

  private Chaos() {}

  static Heartbeat heartbeat() {
    return Heartbeat.ping().interval(I).timeout(T);
  }

  /** A client of {@code uri} with I, T, D and {@code retries} reconnects per outage. */
  static Supervisor supervisor(URI uri, int retries) {
    return Supervisor.create(
            WebSocketTransport.create(uri)
                .connectTimeout(Duration.ofSeconds(2))
                .handshakeTimeout(Duration.ofSeconds(2)))
        .heartbeat(heartbeat())
        .retry(Retry.fixedDelay(retries, D));
  }

  /**
   * A loopback server whose one route, {@code path}, upgrades under {@code supervisor} (resuming
   * and plain clients alike) and runs {@code application}.
   */
  static DisposableServer serve(
      ServerSupervisor supervisor,
      String path,
      Function<ServerConnection, Publisher<Void>> application) {
    return HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .route(routes -> routes.get(path, supervisor.upgrade(application)))
        .bindNow();
  }

  /** Prints one row's measured figure, so the build log carries the matrix's numbers. */
  static void report(String row, String figure) {
    System.out.println("CHAOS | " + row + " | " + figure);
  }

  static long millisSince(long nanoTime) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
  }
}
