package dev.lifeline.bench;

import dev.lifeline.Frame;
import dev.lifeline.internal.ResumeMessages;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The price of the primitives the per-frame paths are made of, on this machine, to read the frame
 * benchmarks against: one clock read (what the watchdog's stamp costs per frame on a transport that
 * does not report reads, and per read on one that does), one uncontended enter-and-leave of a
 * mailbox (two compare-and-sets), and the UTF-8 length of a 32-character text frame (what resume's
 * byte bounds and acknowledgement interval count per data frame).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class PrimitivesBenchmark {
  private static final AtomicIntegerFieldUpdater<PrimitivesBenchmark> WIP =
      AtomicIntegerFieldUpdater.newUpdater(PrimitivesBenchmark.class, "wip");

  private volatile int wip;
  private final Scheduler parallel = Schedulers.parallel();
  private final Frame text = InboundFrameBenchmark.FRAME;

  /** What {@code Watchdog.now()} is with the default scheduler. */
  @Benchmark
  public long schedulerNow() {
    return parallel.now(TimeUnit.NANOSECONDS);
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  /** {@code Mailbox.enter()} then {@code leave()} with no one else inside. */
  @Benchmark
  public int enterAndLeave() {
    WIP.compareAndSet(this, 0, 1);
    WIP.compareAndSet(this, 1, 0);
    return wip;
  }

  /** {@code ResumeMessages.size}: a 32-character ASCII text frame's UTF-8 length. */
  @Benchmark
  public long textFrameSize() {
    return ResumeMessages.size(text);
  }
}
