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
