package dev.lifeline.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** {@link Schedulers#parallel()}, remembering every task scheduled so leftovers can be counted. */
final class TrackingScheduler implements Scheduler {

  private final Scheduler delegate = Schedulers.parallel();
  private final List<Disposable> tasks = new ArrayList<>();

  /** Tasks scheduled and neither run nor cancelled yet: live timers. */
  synchronized long live() {
    return tasks.stream().filter(task -> !task.isDisposed()).count();
  }

  synchronized int scheduled() {
    return tasks.size();
  }

  private synchronized Disposable track(Disposable task) {
    tasks.add(task);
    return task;
  }

  @Override
  public Disposable schedule(Runnable task) {
    return track(delegate.schedule(task));
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return track(delegate.schedule(task, delay, unit));
  }

  @Override
  public Disposable schedulePeriodically(
      Runnable task, long initialDelay, long period, TimeUnit unit) {
    return track(delegate.schedulePeriodically(task, initialDelay, period, unit));
  }

  @Override
  public long now(TimeUnit unit) {
    return delegate.now(unit);
  }

  @Override
  public Worker createWorker() {
    throw new UnsupportedOperationException("the supervisor is expected to schedule tasks only");
  }

  @Override
  public void init() {
    // Schedulers.parallel() is shared and started by Reactor
  }

  @Override
  public void dispose() {
    // Schedulers.parallel() is shared; never dispose it
  }
}
