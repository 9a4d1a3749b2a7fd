package dev.lifeline.internal;

import dev.lifeline.Frame;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

/**
 * The application's end of one connection's inbound stream, across its physical connections: its
 * subscriber, its demand, the frames held for it while closing, and its terminal signal.
 *
 * <p><b>Concurrency: confined</b> to the connection's {@link Mailbox}, as the {@link Supervision}
 * that owns it. Every method but {@link #received()} runs inside the mailbox, one input at a time,
 * so every field is plain and written by whichever thread is inside. The one exception is {@link
 * #received}: written only inside, with an opaque store (the {@code RECEIVED} handle, no
 * compare-and-set), and read by any thread with an opaque load through {@link #received()}, for
 * monitoring: a whole, recent value, with no fence on the frame's path.
 *
 * <p>Demand is one number: what the application requested and was not delivered yet ({@code
 * Long.MAX_VALUE} for unbounded). Each connection is asked for it when it opens, and for every
 * further request while it is live.
 */
final class Delivery {
  private static final VarHandle RECEIVED;

  static {
    try {
      RECEIVED = MethodHandles.lookup().findVarHandle(Delivery.class, "received", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Text and binary frames for the application received so far, over every connection. */
  private long received;

  /** The application's subscriber; null before it subscribed and once it was let go (RS §3.13). */
  private CoreSubscriber<? super Frame> actual;

  private long demand;

  /**
   * Frames that arrived beyond the application's demand while closing (the link reads on to reach
   * the peer's close frame), in order; made only then.
   */
  private ArrayDeque<Frame> held;

  /** Whether the stream ended while frames were held: its terminal signal follows the last. */
  private boolean endDue;

  /** The error the stream ends with once the held frames went; null: it completes. */
  private Throwable endError;

  /** The application subscribed with {@code subscriber}. */
  void subscribed(CoreSubscriber<? super Frame> subscriber) {
    actual = subscriber;
  }

  boolean subscribed() {
    return actual != null;
  }

  /**
   * What the application requested and was not delivered yet; {@code Long.MAX_VALUE}: unbounded.
   */
  long demand() {
    return demand;
  }

  /**
   * The application asked for {@code n} more: held frames go first; returns how many of the {@code
   * n} are left for the live connection to read.
   */
  long requested(long n) {
    long d = demand + n;
    demand = d < 0 ? Long.MAX_VALUE : d;
    return n - drainHeld();
  }

  /** Hands {@code frame} to the application, or holds it beyond its demand. */
  void deliver(Frame frame) {
    RECEIVED.setOpaque(this, received + 1);
    if (demand == 0 || held != null) {
      // beyond the application's demand: only once this side closed (close(), or a protocol
      // violation), when the link reads on to reach the peer's close (Link.CLOSE_READ_AHEAD);
      // held for the application, in order
      if (held == null) {
        held = new ArrayDeque<>();
      }
      held.add(frame);
      return;
    }
    if (demand != Long.MAX_VALUE) {
      demand--;
    }
    actual.onNext(frame);
  }

  /**
   * Ends the stream with {@code error}, or completes it when null: now, or after the last held
   * frame.
   */
  void end(Throwable error) {
    if (held != null) {
      endDue = true;
      endError = error;
      return;
    }
    signalEnd(error);
  }

  /** The application cancelled, or no longer wants the frames held for it: it is let go. */
  void cancelled() {
    held = null;
    actual = null;
  }

  Context currentContext() {
    return actual == null ? Context.empty() : actual.currentContext();
  }

  /** Application frames received so far, from any thread: for monitoring. */
  long received() {
    return (long) RECEIVED.getOpaque(this);
  }

  /** Delivers held frames while there is demand; ends once the last went, if that is due. */
  private long drainHeld() {
    if (held == null) {
      return 0;
    }
    long delivered = 0;
    while (demand > 0 && !held.isEmpty() && actual != null) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      delivered++;
      actual.onNext(held.poll());
    }
    if (held.isEmpty()) {
      held = null;
      if (endDue) {
        signalEnd(endError);
      }
    }
    return delivered;
  }

  private void signalEnd(Throwable error) {
    CoreSubscriber<? super Frame> subscriber = actual;
    actual = null;
    if (subscriber == null) {
      return;
    }
    if (error != null) {
      subscriber.onError(error);
    } else {
      subscriber.onComplete();
    }
  }
}
