package dev.lifeline.support;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler that delegates to another and remembers every task scheduled through it until the
 * task ran or was disposed, so a test can assert that nothing is left pending (C1).
 */
public final class TrackingScheduler implements Scheduler {
  private final Scheduler delegate;
  private final Set<Tracked> pending = ConcurrentHashMap.newKeySet();

  public TrackingScheduler(Scheduler delegate) {
    this.delegate = delegate;
  }

  /** Tasks scheduled and neither run nor disposed. */
  public int pending() {
    return pending.size();
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

  @Override
  public long now(TimeUnit unit) {
    return delegate.now(unit);
  }

  @Override
  public Worker createWorker() {
    throw new UnsupportedOperationException(
        "the supervisor schedules directly on the scheduler, never on a worker");
  }

  private Disposable track(Runnable task, java.util.function.Function<Runnable, Disposable> how) {
    Tracked tracked = new Tracked(task);
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
