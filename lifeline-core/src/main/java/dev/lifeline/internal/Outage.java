package dev.lifeline.internal;

import dev.lifeline.ReconnectsExhaustedException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;
import reactor.util.context.ContextView;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * Counts the failed attempts of the current outage and runs the application's {@link Retry} over
 * them (C4 to C7), in place of {@code retryWhen}.
 *
 * <p>Reactor's retry specs count failures since subscription, or since the last {@code onNext} with
 * transient errors. A supervised connection may stay silent for hours and then fail, so neither
 * matches "failures since the connection last proved alive". This class presents each failure to
 * the application's {@code Retry} with {@link Retry.RetrySignal#totalRetries()} and {@link
 * Retry.RetrySignal#totalRetriesInARow()} both set to the outage's count, so {@code
 * Retry.fixedDelay(5, …)} bounds each outage at five reconnects (C5). {@link #reset()} is called
 * when a connection proves alive.
 *
 * <p>The {@code Retry}'s companion is generated at an outage's first failure and cancelled when a
 * connection proves alive, so a healthy connection holds no retry machinery at all: a custom {@code
 * Retry} sees one companion per outage. A {@link RetryBackoffSpec} runs its delays on the
 * supervisor's scheduler, observed so that the {@code ReconnectScheduled} event can carry the delay
 * it chose; other {@code Retry} kinds get the event when their companion fires, with the measured
 * delay.
 *
 * <p>An outage that starts with a draining server's close carrying a {@link ReconnectHint} goes to
 * the policy at once, as any other; the reconnect it fires then waits a further uniformly random
 * point within the hint (C12). The reported delay includes that wait.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}: every method runs inside it and the
 * fields are plain. The companion's signals come from whatever thread the {@code Retry} uses (a
 * timer, for a delay) and hop in before they reach {@link Decisions}; a companion that fires at
 * once, from inside, is queued behind the failure that made it fire, so reconnects never recurse.
 */
public final class Outage {

  /** What the companion decides. Called at most once per failure, on the companion's thread. */
  public interface Decisions {
    /** The retry policy fired: start the next attempt. Inside the mailbox, as the others. */
    void reconnect();

    /** The retry policy gave up with {@code error} (a {@code RetryExhaustedException} or other). */
    void giveUp(Throwable error);

    /** The retry policy completed: end supervision normally. */
    void stop();
  }

  private final Scheduler scheduler;
  private final EventLog events;
  private final Retry retry;
  private final Predicate<Throwable> retryable;
  private final Decisions decisions;
  private final Mailbox mailbox;
  private int failures;
  private Companion companion;
  private boolean cancelled;
  private boolean announced;
  private long failedAt;
  private Disposable spread; // C12: the wait within a draining server's hint, pending
  private long spreadNanos; // C12: the wait the reconnect the policy fires next adds

  public Outage(
      Retry retry,
      Predicate<Throwable> retryable,
      Scheduler scheduler,
      EventLog events,
      Mailbox mailbox,
      Decisions decisions) {
    this.mailbox = mailbox;
    this.scheduler = scheduler;
    this.events = events;
    this.retryable = retryable;
    this.decisions = decisions;
    this.retry = retry;
  }

  /** The attempt number of the next connection: 0 when no attempt of this outage failed yet. */
  public int attempt() {
    return failures;
  }

  /** The reconnect attempts made in this outage, for the exhausted error. */
  /**
   * The error supervision ends with when the retry policy ended with {@code error}: {@link
   * ReconnectsExhaustedException} (reported with {@code Exhausted}) when it gave up, otherwise the
   * policy's own error.
   */
  Throwable ended(Throwable error) {
    if (!Exceptions.isRetryExhausted(error)) {
      return error;
    }
    int attempts = reconnectAttempts();
    Throwable cause = error.getCause() == null ? error : error.getCause();
    events.exhausted(attempts, cause);
    return new ReconnectsExhaustedException(attempts, cause);
  }

  public int reconnectAttempts() {
    return Math.max(0, failures - 1);
  }

  /** Whether retrying can fix {@code failure} (C7). */
  public boolean retryable(Throwable failure) {
    return retryable.test(failure);
  }

  /**
   * The connection proved alive: the next failure starts a new outage, and the companion of this
   * one, idle since its last reconnect, is cancelled.
   */
  public void reset() {
    failures = 0;
    Companion idle = companion;
    companion = null;
    if (idle != null) {
      idle.dispose();
    }
  }

  /** Supervision ended: a pending reconnect never fires. */
  public void cancel() {
    cancelled = true;
    Disposable waiting = spread;
    spread = null;
    if (waiting != null) {
      waiting.dispose();
    }
    Companion pending = companion;
    companion = null;
    if (pending != null) {
      pending.dispose();
    }
  }

  /**
   * A retryable attempt failed with {@code failure}: counts it and presents it to the retry policy,
   * which answers through {@link Decisions}, possibly before this method returns.
   */
  public void failed(Throwable failure, ContextView context) {
    if (cancelled) {
      return;
    }
    failedAt = scheduler.now(TimeUnit.NANOSECONDS);
    // C12: the outage's first failure is a draining server's close with a "reconnect within"
    // hint: the reconnect the policy fires waits a further random whole millisecond within it
    long hint = companion == null ? ReconnectHint.nanos(failure) : 0;
    spreadNanos =
        hint == 0
            ? 0
            : TimeUnit.MILLISECONDS.toNanos(
                ThreadLocalRandom.current().nextLong(TimeUnit.NANOSECONDS.toMillis(hint) + 1));
    present(failure, context);
  }

  /** Inside: the policy fired; the reconnect goes now, or after the hint's wait (C12). */
  private void fire() {
    long wait = spreadNanos;
    spreadNanos = 0;
    if (wait == 0) {
      decisions.reconnect();
      return;
    }
    spread =
        scheduler.schedule(
            () ->
                decide(
                    () -> {
                      spread = null;
                      if (!cancelled) {
                        decisions.reconnect();
                      }
                    }),
            wait,
            TimeUnit.NANOSECONDS);
  }

  private void present(Throwable failure, ContextView context) {
    long count = ++failures;
    Companion current = companion;
    boolean fresh = current == null;
    if (fresh) {
      current = new Companion(context);
      companion = current;
    }
    announced = false;
    if (fresh) {
      Publisher<?> generated;
      try {
        // Adapted per outage, so a healthy connection holds no copy of the spec.
        Retry observed =
            retry instanceof RetryBackoffSpec spec
                ? spec.scheduler(new Observing(scheduler))
                : retry;
        generated = observed.generateCompanion(current.signals.asFlux());
      } catch (Throwable e) {
        Throwable error = Operators.onOperatorError(e, Context.of(context));
        decide(() -> decisions.giveUp(error));
        return;
      }
      generated.subscribe(current);
    }
    // Results considered: OK; FAIL_CANCELLED or FAIL_TERMINATED when the companion stopped
    // listening (cancelled, or its Retry ended), and then no reconnect is wanted; FAIL_OVERFLOW
    // cannot happen (one failure per fired reconnect), nor FAIL_NON_SERIALIZED (one at a time).
    current.signals.tryEmitNext(new Signal(count - 1L, failure, retry.retryContext()));
  }

  private void announce(long delay, TimeUnit unit) {
    announced = true;
    events.reconnectScheduled(attempt(), Duration.ofNanos(spreadNanos + unit.toNanos(delay)));
  }

  /** Runs {@code decision} inside, after whatever runs there now. */
  private void decide(Runnable decision) {
    mailbox.execute(decision);
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

  /**
   * One outage's companion: subscribed to what the {@code Retry} generated from its signals, which
   * hold at most one failure (the next can only follow a reconnect the companion fired).
   */
  private final class Companion extends BaseSubscriber<Object> {
    final Sinks.Many<Retry.RetrySignal> signals =
        Sinks.unsafe().many().unicast().onBackpressureBuffer(Queues.<Retry.RetrySignal>one().get());
    private final Context context;

    Companion(ContextView context) {
      this.context = Context.of(context);
    }

    @Override
    public Context currentContext() {
      return context;
    }

    @Override
    protected void hookOnNext(Object fired) {
      decide(
          () -> {
            if (companion != this) {
              return;
            }
            if (!announced) {
              long waited = scheduler.now(TimeUnit.NANOSECONDS) - failedAt;
              events.reconnectScheduled(attempt(), Duration.ofNanos(waited + spreadNanos));
            }
            fire();
          });
    }

    @Override
    protected void hookOnError(Throwable error) {
      decide(
          () -> {
            if (companion != this) {
              Operators.onErrorDropped(error, context);
              return;
            }
            decisions.giveUp(error);
          });
    }

    @Override
    protected void hookOnComplete() {
      decide(
          () -> {
            if (companion == this) {
              decisions.stop();
            }
          });
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
      if (mailbox.isInside()) {
        announce(delay, unit);
      } else {
        mailbox.execute(() -> announce(delay, unit));
      }
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
