package dev.lifeline.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.ContextView;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * Counts the failed attempts of the current outage and adapts the application's {@link Retry} to
 * that count (C4 to C7).
 *
 * <p>Reactor's retry specs count failures since subscription, or since the last {@code onNext} with
 * transient errors. A supervised connection may stay silent for hours and then fail, so neither
 * matches "failures since the connection last proved alive". This class presents each failure to
 * the application's {@code Retry} with {@link Retry.RetrySignal#totalRetries()} and {@link
 * Retry.RetrySignal#totalRetriesInARow()} both set to the outage's count, so {@code
 * Retry.fixedDelay(5, …)} bounds each outage at five reconnects (C5). {@link #reset()} is called
 * when a connection proves alive.
 *
 * <p>Failures that retrying cannot fix skip the {@code Retry} and end supervision (C7). A {@link
 * RetryBackoffSpec} runs its delays on the supervisor's scheduler, observed so that the {@code
 * ReconnectScheduled} event can carry the delay it chose; other {@code Retry} kinds get the event
 * when their companion fires, with the measured delay.
 */
public final class Outage {
  private final AtomicInteger failures = new AtomicInteger();
  private final Scheduler scheduler;
  private final EventLog events;
  private final Retry retry;
  private volatile boolean announced;
  private volatile long failedAt;

  public Outage(Retry retry, Predicate<Throwable> retryable, Scheduler scheduler, EventLog events) {
    this.scheduler = scheduler;
    this.events = events;
    Retry observed =
        retry instanceof RetryBackoffSpec spec ? spec.scheduler(new Observing(scheduler)) : retry;
    this.retry = filtered(observed, retryable);
  }

  /** The attempt number of the next connection: 0 when no attempt of this outage failed yet. */
  public int attempt() {
    return failures.get();
  }

  /** The connection proved alive: the next failure starts a new outage. */
  public void reset() {
    failures.set(0);
  }

  /** The reconnect attempts made in this outage, for the exhausted error. */
  public int reconnectAttempts() {
    return Math.max(0, failures.get() - 1);
  }

  /** The retry to pass to {@code retryWhen}; its companion stops when {@code closed} emits. */
  public Retry retry(Mono<Void> closed) {
    return Retry.from(
        signals -> Flux.from(retry.generateCompanion(signals)).takeUntilOther(closed));
  }

  private Retry filtered(Retry delegate, Predicate<Throwable> retryable) {
    return Retry.from(
        signals ->
            Flux.from(
                    delegate.generateCompanion(
                        signals.handle(
                            (signal, sink) -> {
                              Throwable failure = signal.failure();
                              if (!retryable.test(failure)) {
                                sink.error(failure);
                                return;
                              }
                              int count = failures.incrementAndGet();
                              announced = false;
                              failedAt = scheduler.now(TimeUnit.NANOSECONDS);
                              sink.next(new Signal(count - 1L, failure, signal.retryContextView()));
                            })))
                .doOnNext(
                    fired -> {
                      if (!announced) {
                        long waited = scheduler.now(TimeUnit.NANOSECONDS) - failedAt;
                        events.reconnectScheduled(failures.get(), Duration.ofNanos(waited));
                      }
                    }));
  }

  private void announce(long delay, TimeUnit unit) {
    announced = true;
    events.reconnectScheduled(failures.get(), Duration.ofNanos(unit.toNanos(delay)));
  }

  /** A retry signal counting within the outage. Immutable, so {@link #copy()} is itself. */
  private record Signal(long totalRetries, Throwable failure, ContextView retryContextView)
      implements Retry.RetrySignal {
    @Override
    public long totalRetriesInARow() {
      return totalRetries;
    }

    @Override
    public Retry.RetrySignal copy() {
      return this;
    }
  }

  /** The supervisor's scheduler, noting each delay a retry spec schedules. */
  private final class Observing implements Scheduler {
    private final Scheduler delegate;

    Observing(Scheduler delegate) {
      this.delegate = delegate;
    }

    @Override
    public Disposable schedule(Runnable task) {
      return delegate.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
      announce(delay, unit);
      return delegate.schedule(task, delay, unit);
    }

    @Override
    public long now(TimeUnit unit) {
      return delegate.now(unit);
    }

    @Override
    public Worker createWorker() {
      return delegate.createWorker();
    }

    @Override
    public void init() {
      // the supervisor's scheduler is owned by whoever gave it; nothing to start here
    }

    @Override
    public void dispose() {
      // the supervisor's scheduler is owned by whoever gave it; never dispose it from here
    }
  }
}
