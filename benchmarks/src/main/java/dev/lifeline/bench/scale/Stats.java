package dev.lifeline.bench.scale;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** What a fleet of client connections observed; thread-safe. */
final class Stats {
  static final int BUCKET_MILLIS = 100;
  static final int BUCKETS = 1200;

  /** Heartbeat round trips in microseconds, from send to answer as the client saw them. */
  final Recorder rtt = new Recorder(3);

  final LongAdder connected = new LongAdder();
  final LongAdder reconnected = new LongAdder();
  final LongAdder deaths = new LongAdder();
  final LongAdder disconnects = new LongAdder();
  final LongAdder failedAttempts = new LongAdder();
  final LongAdder terminated = new LongAdder();
  final LongAdder answered = new LongAdder();

  /** Connection attempts per 100 ms after {@link #stormStart}, for the reconnect storm. */
  final AtomicIntegerArray attempts = new AtomicIntegerArray(BUCKETS);

  final AtomicLong lastReconnect = new AtomicLong();
  volatile long stormStart;

  /** Heartbeat sends per 10 ms since {@link #EPOCH}: shows whether sends bunch up in bursts. */
  static final long EPOCH = System.nanoTime();

  static final int SEND_BUCKETS = 30_000;
  final AtomicIntegerArray sends = new AtomicIntegerArray(SEND_BUCKETS);

  void sent() {
    long bucket = (System.nanoTime() - EPOCH) / 10_000_000L;
    if (bucket < SEND_BUCKETS) {
      sends.incrementAndGet((int) bucket);
    }
  }

  /**
   * The busiest 10 ms of heartbeat sends between two {@code System.nanoTime()} instants, and the
   * mean per 10 ms: {@code peak / mean} near 1 means evenly spread sends, far above 1 bursts.
   */
  String sendSpread(long from, long to) {
    int first = (int) Math.max(0, (from - EPOCH) / 10_000_000L);
    int last = (int) Math.min(SEND_BUCKETS - 1, (to - EPOCH) / 10_000_000L);
    long total = 0;
    int peak = 0;
    int busy = 0;
    for (int i = first; i < last; i++) {
      int n = sends.get(i);
      total += n;
      peak = Math.max(peak, n);
    }
    double mean = total / (double) Math.max(1, last - first);
    for (int i = first; i < last; i++) {
      if (sends.get(i) > 4 * mean) {
        busy++;
      }
    }
    return String.format(
        java.util.Locale.ROOT,
        "sends_per_10ms_mean=%.1f sends_per_10ms_peak=%d peak_over_mean=%.1f buckets_over_4x_mean=%d",
        mean,
        peak,
        peak / Math.max(1e-9, mean),
        busy);
  }

  void recordRtt(long nanos) {
    rtt.recordValue(Math.max(0, Math.min(nanos / 1000, 3_600_000_000L)));
    answered.increment();
  }

  void attempt() {
    long start = stormStart;
    if (start != 0) {
      long bucket = (System.nanoTime() - start) / (BUCKET_MILLIS * 1_000_000L);
      if (bucket >= 0 && bucket < BUCKETS) {
        attempts.incrementAndGet((int) bucket);
      }
    }
  }

  void reconnected() {
    reconnected.increment();
    lastReconnect.accumulateAndGet(System.nanoTime(), Math::max);
  }

  Histogram rttSnapshot() {
    return rtt.getIntervalHistogram();
  }
}
