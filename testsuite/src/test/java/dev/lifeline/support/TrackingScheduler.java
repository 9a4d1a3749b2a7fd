package dev.lifeline.support;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler that delegates to another and remembers every task scheduled through it until the
 * task ran or was disposed, so a test can assert that nothing is left pending (C1) — on virtual
 * time or, over a shared real scheduler, after supervision ended. It neither starts nor disposes
 * its delegate, which belongs to whoever gave it.
 */
public final class TrackingScheduler implements Scheduler {
  private final Scheduler delegate;
  private final Set<Tracked> pending = ConcurrentHashMap.newKeySet();
  private final AtomicInteger scheduled = new AtomicInteger();
  private volatile long sleptMillis;

  public TrackingScheduler(Scheduler delegate) {
    this.delegate = delegate;
  }

  /** Tasks scheduled and neither run nor disposed: live timers. */
  public int pending() {
    return pending.size();
  }

  /** Tasks scheduled so far, in all. */
  public int scheduled() {
    return scheduled.get();
  }

  @Override
  public Disposable schedule(Runnable task) {
    return track(task, t -> delegate.schedule(t));
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return track(task, t -> delegate.schedule(t, delay, unit));
  }

  @Override
  public Disposable schedulePeriodically(
      Runnable task, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("the supervisor never schedules periodic tasks");
  }

  /**
   * The machine sleeps for {@code time}: from now on the wall clock ({@code now(MILLISECONDS)} and
   * coarser) is {@code time} further ahead, while the monotonic clock ({@code now(NANOSECONDS)})
   * and the timers did not move, as on Linux, where the monotonic clock stops during a suspend.
   */
  public void sleep(java.time.Duration time) {
    sleptMillis += time.toMillis();
  }

  @Override
  public long now(TimeUnit unit) {
    if (unit == TimeUnit.NANOSECONDS || unit == TimeUnit.MICROSECONDS) {
      return delegate.now(unit);
    }
    return delegate.now(unit) + unit.convert(sleptMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public Worker createWorker() {
    throw new UnsupportedOperationException(
        "the supervisor schedules directly on the scheduler, never on a worker");
  }

  @Override
  public void init() {
    // the delegate belongs to whoever gave it; nothing to start here
  }

  @Override
  public void dispose() {
    // the delegate belongs to whoever gave it; never dispose it from here
  }

  private Disposable track(Runnable task, Function<Runnable, Disposable> how) {
    Tracked tracked = new Tracked(task);
    scheduled.incrementAndGet();
    pending.add(tracked);
    tracked.inner = how.apply(tracked);
    return tracked;
  }

  private final class Tracked implements Runnable, Disposable {
    private final Runnable task;
    private volatile Disposable inner;
    private volatile boolean disposed;

    Tracked(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      pending.remove(this);
      task.run();
    }

    @Override
    public void dispose() {
      disposed = true;
      pending.remove(this);
      Disposable d = inner;
      if (d != null) {
        d.dispose();
      }
    }

    @Override
    public boolean isDisposed() {
      return disposed;
    }
  }
}
