package dev.lifeline.internal;

import dev.lifeline.Frame;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * A send of one frame, and for its first subscriber also that frame's place in the {@link Outbox}:
 * one object per send. A second subscription sends a fresh copy.
 *
 * <p>Everything but the claim of the first subscriber runs inside the connection's {@link Mailbox}:
 * the subscription hops in with this object as the task (no allocation when no one else is inside),
 * and so does a cancellation, so exactly one of the write, the withdrawal and termination settles
 * the send. The one atomic here, {@link #actual}, exists because Reactive Streams lets any thread
 * subscribe a publisher: it decides whose frame this object carries.
 */
final class SendOne extends Mono<Void> implements Subscription, Runnable, Outbox.Ticket {
  @SuppressWarnings("rawtypes")
  private static final AtomicReferenceFieldUpdater<SendOne, CoreSubscriber> ACTUAL =
      AtomicReferenceFieldUpdater.newUpdater(SendOne.class, CoreSubscriber.class, "actual");

  private static final int NEW = 0;
  private static final int QUEUED = 1;
  private static final int SETTLED = 2;

  private final Outbox outbox;
  final Frame frame;
  private volatile CoreSubscriber<? super Void> actual;
  private int state; // inside the mailbox only

  SendOne(Outbox outbox, Frame frame) {
    this.outbox = outbox;
    this.frame = frame;
  }

  @Override
  public void subscribe(CoreSubscriber<? super Void> subscriber) {
    if (!ACTUAL.compareAndSet(this, null, subscriber)) {
      new SendOne(outbox, frame).subscribe(subscriber);
      return;
    }
    subscriber.onSubscribe(this);
    outbox.mailbox.execute(this);
  }

  /** Inside: the subscription arrived. */
  @Override
  public void run() {
    if (state == NEW) { // else cancelled before it arrived
      outbox.offer(this);
      if (state == NEW) {
        state = QUEUED;
      }
    }
  }

  @Override
  public void emitTo(Outbox out) {
    boolean queued = state == QUEUED;
    state = SETTLED;
    if (queued) {
      out.writeQueued(frame);
    } else {
      out.write(frame);
    }
    actual.onComplete();
  }

  @Override
  public void fail(Throwable cause) {
    if (state == QUEUED) {
      outbox.free(frame);
    }
    state = SETTLED;
    actual.onError(cause);
  }

  @Override
  public void request(long n) {
    // a Mono<Void> emits no value: demand has nothing to govern
  }

  @Override
  public void cancel() {
    outbox.mailbox.execute(this::withdraw);
  }

  private void withdraw() {
    if (state == QUEUED) {
      outbox.free(frame);
      outbox.remove(this);
    }
    state = SETTLED;
  }
}
