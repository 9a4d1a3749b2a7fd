package dev.lifeline.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

/**
 * The demand of one subscriber served by successive upstreams, one at a time: what it requested and
 * the current upstream did not deliver is requested from the next one, exactly. This is Reactor's
 * {@code Operators.MultiSubscriptionSubscriber}, which is not public, reduced to what a {@link
 * Session} needs.
 *
 * <p>Requests, the switch to a new upstream, produced counts and cancellation may come from any
 * thread at once: they are serialized by a work-in-progress counter (missed signals are collected
 * and applied by whichever thread holds it), and upstream requests are made after leaving it.
 */
final class Arbiter {

  private static final AtomicIntegerFieldUpdater<Arbiter> WIP =
      AtomicIntegerFieldUpdater.newUpdater(Arbiter.class, "wip");
  private static final AtomicLongFieldUpdater<Arbiter> MISSED_REQUESTED =
      AtomicLongFieldUpdater.newUpdater(Arbiter.class, "missedRequested");
  private static final AtomicLongFieldUpdater<Arbiter> MISSED_PRODUCED =
      AtomicLongFieldUpdater.newUpdater(Arbiter.class, "missedProduced");
  private static final AtomicReferenceFieldUpdater<Arbiter, Subscription> MISSED_SUBSCRIPTION =
      AtomicReferenceFieldUpdater.newUpdater(
          Arbiter.class, Subscription.class, "missedSubscription");

  // touched only by the thread holding WIP
  private Subscription upstream;
  private long requested;

  private volatile boolean cancelled;

  @SuppressWarnings("unused") // accessed through WIP
  private volatile int wip;

  @SuppressWarnings("unused") // accessed through MISSED_REQUESTED
  private volatile long missedRequested;

  @SuppressWarnings("unused") // accessed through MISSED_PRODUCED
  private volatile long missedProduced;

  @SuppressWarnings("unused") // accessed through MISSED_SUBSCRIPTION
  private volatile Subscription missedSubscription;

  /** The subscriber requests {@code n} more (validated by the caller). */
  void request(long n) {
    if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
      long r = requested;
      if (r != Long.MAX_VALUE) {
        requested = Operators.addCap(r, n);
      }
      Subscription current = upstream;
      if (WIP.decrementAndGet(this) != 0) {
        drainLoop();
      }
      if (current != null) {
        current.request(n);
      }
      return;
    }
    Operators.addCap(MISSED_REQUESTED, this, n);
    if (WIP.getAndIncrement(this) == 0) {
      drainLoop();
    }
  }

  /**
   * {@code next} replaces the previous upstream, which has ended, and is asked for the demand still
   * open; cancelled at once if the arbiter was.
   */
  void set(Subscription next) {
    if (cancelled) {
      next.cancel();
      return;
    }
    if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
      upstream = next;
      long r = requested;
      if (WIP.decrementAndGet(this) != 0) {
        drainLoop();
      }
      if (r != 0) {
        next.request(r);
      }
      return;
    }
    MISSED_SUBSCRIPTION.set(this, next);
    if (WIP.getAndIncrement(this) == 0) {
      drainLoop();
    }
  }

  /** The upstream that just ended delivered {@code n} items. */
  void produced(long n) {
    if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
      long r = requested;
      if (r != Long.MAX_VALUE) {
        requested = Math.max(0, r - n);
      }
      if (WIP.decrementAndGet(this) != 0) {
        drainLoop();
      }
      return;
    }
    Operators.addCap(MISSED_PRODUCED, this, n);
    if (WIP.getAndIncrement(this) == 0) {
      drainLoop();
    }
  }

  /** Cancels the current upstream and every later one, and lets go of them. */
  void cancel() {
    cancelled = true;
    if (WIP.getAndIncrement(this) == 0) {
      drainLoop();
    }
  }

  boolean isCancelled() {
    return cancelled;
  }

  private void drainLoop() {
    int missed = 1;
    long requestAmount = 0;
    Subscription requestTarget = null;
    for (; ; ) {
      Subscription ms = MISSED_SUBSCRIPTION.getAndSet(this, null);
      long mr = MISSED_REQUESTED.getAndSet(this, 0);
      long mp = MISSED_PRODUCED.getAndSet(this, 0);
      Subscription current = upstream;
      if (cancelled) {
        upstream = null;
        if (current != null) {
          current.cancel();
        }
        if (ms != null) {
          ms.cancel();
        }
        missed = WIP.addAndGet(this, -missed);
        if (missed == 0) {
          return;
        }
        continue;
      }
      long r = requested;
      if (r != Long.MAX_VALUE) {
        long u = Operators.addCap(r, mr);
        r = u == Long.MAX_VALUE ? u : Math.max(0, u - mp);
        requested = r;
      }
      if (ms != null) {
        upstream = ms;
        if (r != 0) {
          requestAmount = Operators.addCap(requestAmount, r);
          requestTarget = ms;
        }
      } else if (mr != 0 && current != null) {
        requestAmount = Operators.addCap(requestAmount, mr);
        requestTarget = current;
      }
      missed = WIP.addAndGet(this, -missed);
      if (missed == 0) {
        if (requestAmount != 0) {
          requestTarget.request(requestAmount);
        }
        return;
      }
    }
  }
}
