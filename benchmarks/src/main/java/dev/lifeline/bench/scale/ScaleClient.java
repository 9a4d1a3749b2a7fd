package dev.lifeline.bench.scale;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import reactor.util.retry.Retry;

/**
 * The client JVM of the scale runs: opens {@code k} heartbeating connections of one kind, lets them
 * settle, then measures over a window and prints one {@code RESULT} line. In storm mode it instead
 * prints {@code STORM_READY}, waits for its server to be killed and restarted, and reports how the
 * connections came back.
 *
 * <p>Usage: {@code ScaleClient kind=lifeline|raw|okhttp|javaws k=1000 port=P
 * hosts=127.0.0.1,127.0.0.2 interval=1000 timeout=5000 settle=5 measure=20 inflight=256
 * retry=fixed|jitter storm=false}
 */
public final class ScaleClient {
  private ScaleClient() {}

  public static void main(String[] args) throws Exception {
    Args a = new Args(args);
    String kind = a.string("kind", "lifeline");
    int k = a.integer("k", 1000);
    int port = a.integer("port", 0);
    String[] hosts = a.string("hosts", "127.0.0.1").split(",");
    Duration interval = Duration.ofMillis(a.integer("interval", 1000));
    Duration timeout = Duration.ofMillis(a.integer("timeout", 5000));
    int settleSeconds = a.integer("settle", 5);
    int measureSeconds = a.integer("measure", 20);
    int inflight = a.integer("inflight", 256);
    boolean storm = a.flag("storm");
    String retryName = a.string("retry", "fixed");

    Stats stats = new Stats();
    Fleet fleet =
        switch (kind) {
          case "lifeline" ->
              new LifelineFleet(
                  stats,
                  interval,
                  timeout,
                  retry(retryName),
                  LifelineFleet.scheduler(a.string("scheduler", "default")));
          case "raw" -> new RawFleet(stats, interval, timeout);
          case "okhttp" -> new OkHttpFleet(stats, interval);
          case "javaws" -> new JavaWebSocketFleet(stats, interval);
          default -> throw new IllegalArgumentException("unknown kind " + kind);
        };

    long heapBefore = Gauges.heapAfterGc();
    long rssBefore = Gauges.rss();
    int threadsBefore = Gauges.threads();

    // one URI per host, shared by its connections (as an application holds its server's address)
    URI[] uris = new URI[hosts.length];
    for (int h = 0; h < hosts.length; h++) {
      uris[h] = URI.create("ws://" + hosts[h] + ":" + port + "/ws");
    }

    // connect, at most `inflight` handshakes at a time
    Semaphore permits = new Semaphore(inflight);
    long connectStart = System.nanoTime();
    for (int i = 0; i < k; i++) {
      permits.acquire();
      fleet.open(uris[i % uris.length], permits::release);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (stats.connected.sum() < k && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    long connected = stats.connected.sum();
    Thread.sleep(TimeUnit.SECONDS.toMillis(settleSeconds));

    if (storm) {
      storm(kind, retryName, k, stats, connected, a.integer("stormwait", 90));
      return;
    }

    // measurement window: heartbeats only
    stats.rttSnapshot(); // discard the settling period
    long deathsBefore = stats.deaths.sum();
    long disconnectsBefore = stats.disconnects.sum();
    long cpuStart = Gauges.cpuNanos();
    long wallStart = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(measureSeconds));
    long wallEnd = System.nanoTime();
    double cores = (Gauges.cpuNanos() - cpuStart) / (double) (wallEnd - wallStart);
    System.out.println(
        "SPREAD kind=" + kind + " k=" + k + " " + stats.sendSpread(wallStart, wallEnd));
    Histogram rtt = stats.rttSnapshot();
    int threads = Gauges.threads();
    long rss = Gauges.rss();
    long heap = Gauges.heapAfterGc();

    System.out.printf(
        Locale.ROOT,
        "RESULT kind=%s k=%d connected=%d connect_s=%.1f heap_per_conn_B=%.0f"
            + " rss_per_conn_B=%.0f threads=%d threads_before=%d cpu_cores=%.3f"
            + " rtt_count=%d rtt_p50_ms=%.2f rtt_p99_ms=%.2f rtt_max_ms=%.2f deaths=%d"
            + " deaths_window=%d disconnects=%d disconnects_window=%d failed_attempts=%d%n",
        kind,
        k,
        connected,
        connectSeconds,
        (heap - heapBefore) / (double) Math.max(1, connected),
        (rss - rssBefore) / (double) Math.max(1, connected),
        threads,
        threadsBefore,
        cores,
        rtt.getTotalCount(),
        rtt.getValueAtPercentile(50) / 1000.0,
        rtt.getValueAtPercentile(99) / 1000.0,
        rtt.getMaxValue() / 1000.0,
        stats.deaths.sum(),
        stats.deaths.sum() - deathsBefore,
        stats.disconnects.sum(),
        stats.disconnects.sum() - disconnectsBefore,
        stats.failedAttempts.sum());
    System.out.flush();
    // the orchestrator kills the server first, then this JVM
    Thread.currentThread().join();
  }

  /**
   * The reconnect storm, as the client sees it: from the first disconnect to the last reconnection,
   * with connection attempts counted per 100 ms.
   */
  private static void storm(
      String kind, String retryName, int k, Stats stats, long connected, int waitSeconds)
      throws InterruptedException {
    stats.stormStart = System.nanoTime();
    long failedBefore = stats.failedAttempts.sum();
    System.out.println("STORM_READY");
    System.out.flush();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    long firstDisconnect = 0;
    while (System.nanoTime() < deadline) {
      if (firstDisconnect == 0 && stats.disconnects.sum() > 0) {
        firstDisconnect = System.nanoTime();
      }
      if (stats.reconnected.sum() >= connected) {
        break;
      }
      Thread.sleep(10);
    }
    long reconnected = stats.reconnected.sum();
    int peak = 0;
    int peakBucket = 0;
    int lastNonZero = 0;
    StringBuilder series = new StringBuilder();
    for (int i = 0; i < Stats.BUCKETS; i++) {
      int n = stats.attempts.get(i);
      if (n > peak) {
        peak = n;
        peakBucket = i;
      }
      if (n > 0) {
        lastNonZero = i;
      }
    }
    for (int i = 0; i <= lastNonZero; i++) {
      series.append(stats.attempts.get(i)).append(i < lastNonZero ? "," : "");
    }
    double recoverySeconds =
        firstDisconnect == 0 ? -1 : (stats.lastReconnect.get() - firstDisconnect) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "RESULT kind=%s retry=%s k=%d connected=%d reconnected=%d recovery_s=%.2f"
            + " peak_attempts_per_100ms=%d peak_at_s=%.1f failed_attempts=%d gave_up=%d%n",
        kind,
        retryName,
        k,
        connected,
        reconnected,
        recoverySeconds,
        peak,
        (peakBucket * Stats.BUCKET_MILLIS - (firstDisconnect - stats.stormStart) / 1e6) / 1000.0,
        stats.failedAttempts.sum() - failedBefore,
        stats.terminated.sum());
    System.out.println("ATTEMPTS_PER_100MS " + series);
    System.out.flush();
    Thread.currentThread().join();
  }

  /**
   * The retry policies compared in the storm. {@code fixed} is Lifeline's default. {@code jitter}
   * is an exponential backoff with ±50 % jitter: {@code Retry.fixedDelay(..).jitter(..)} would not
   * do, since a fixed delay's minimum and maximum are equal and Reactor clamps the jitter to them.
   */
  static Retry retry(String name) {
    return switch (name) {
      case "fixed" -> Retry.fixedDelay(5, Duration.ofSeconds(5));
      case "jitter" ->
          Retry.backoff(8, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(5)).jitter(0.5);
      default -> throw new IllegalArgumentException("unknown retry " + name);
    };
  }
}
