package dev.lifeline.internal;

import dev.lifeline.Frame;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

/**
 * The outbound stream of one {@link Link}: the publisher its transport writes from, fed by the
 * {@link Outbox} while the link is its supervision's current one, and what it wrote since its last
 * answered heartbeat (C9).
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}, as its link is: each signal of the
 * transport's writer hops in. The one exception is the writer's {@link #request(long)} from inside
 * its {@code onNext}, which only adds demand to the outbox and is taken at once.
 */
final class LinkWriter implements Publisher<Frame>, Subscription {
  private final Link link;
  private final Mailbox mailbox;
  private final Outbox outbox;

  private Subscriber<? super Frame> writer;

  /**
   * Whether the outbox fed this writer; until the next connection's writer attaches, {@link
   * Outbox#written()} counts this one's frames.
   */
  private boolean attached;

  private long confirmed;
  private long writtenBeforeHeartbeat;

  LinkWriter(Link link, Mailbox mailbox, Outbox outbox) {
    this.link = link;
    this.mailbox = mailbox;
    this.outbox = outbox;
  }

  @Override
  public void subscribe(Subscriber<? super Frame> subscriber) {
    mailbox.execute(
        () -> {
          if (writer != null) {
            Operators.error(
                subscriber,
                new IllegalStateException(
                    "a connection's outbound frames can be subscribed once; this one already is"));
            return;
          }
          writer = subscriber;
          if (link.isCurrent()) {
            attached = true;
            outbox.attach(this, subscriber);
          }
          // inside and attached: the writer's first request is taken at once
          subscriber.onSubscribe(this);
        });
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      return;
    }
    if (mailbox.enter()) {
      try {
        outbox.request(this, n);
      } finally {
        mailbox.leave();
      }
    } else if (mailbox.isInside()) {
      outbox.request(this, n); // the writer asks for more from inside onNext
    } else {
      mailbox.execute(() -> outbox.request(this, n));
    }
  }

  @Override
  public void cancel() {
    mailbox.execute(() -> outbox.detach(this));
  }

  /**
   * Inside: the outbox stops feeding this writer; a frame sent from now on waits for the next
   * connection.
   */
  void detach() {
    if (attached) {
      outbox.detach(this);
    }
  }

  /** Inside: a heartbeat goes out behind every frame written so far. */
  void heartbeatSent() {
    writtenBeforeHeartbeat = outbox.written();
  }

  /** Inside: the answer came after the peer read every frame written before its heartbeat. */
  void heartbeatAnswered() {
    confirmed = writtenBeforeHeartbeat;
  }

  /** Inside: application frames written after the last answered heartbeat (C9). */
  long unconfirmedFrames() {
    return attached ? outbox.written() - confirmed : 0;
  }
}
