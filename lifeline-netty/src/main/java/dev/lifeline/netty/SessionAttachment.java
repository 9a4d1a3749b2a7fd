package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.internal.ResumeMessages;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * One physical connection of a session: reads its frames (the HELLO first, before it is bound) and
 * is the outbound stream written to it.
 *
 * <p>Its inbound signals come from the connection's event loop, one at a time; once bound, each
 * hops into the session's mailbox. Its writer's signals hop into the mailbox too. {@code session}
 * is the one volatile field: set once by the registry, then read by the event loop's and the
 * writer's threads to find that mailbox.
 */
final class SessionAttachment implements CoreSubscriber<Frame>, Publisher<Frame>, Subscription {
  final ServerSession physical;
  private final ResumeSessions registry;
  private final Function<ServerConnection, Publisher<Void>> application;

  // the event loop until bound, then the session's mailbox
  private Subscription upstream;
  private volatile ResumedSession session;
  private boolean greeted;

  // the session's mailbox, once bound: read credit given back, requested a batch at a time
  private long freed;
  private long batch = 1;

  SessionAttachment(
      ServerSession physical,
      ResumeSessions registry,
      Function<ServerConnection, Publisher<Void>> application) {
    this.physical = physical;
    this.registry = registry;
    this.application = application;
  }

  void start() {
    physical.inbound().subscribe(this);
  }

  @Override
  public void onSubscribe(Subscription s) {
    upstream = s;
    s.request(1); // the HELLO
  }

  @Override
  public void onNext(Frame frame) {
    ResumedSession bound = session;
    if (bound != null) {
      // inline when no one else is inside, as a client's link does: no task per frame
      if (bound.mailbox.enter()) {
        try {
          bound.frame(this, frame);
        } finally {
          bound.mailbox.leave();
        }
      } else {
        bound.mailbox.execute(() -> bound.frame(this, frame));
      }
      return;
    }
    if (greeted) {
      return; // a frame after a HELLO, before its session took this connection: dropped below
    }
    greeted = true;
    ResumeMessages.Message hello = null;
    if (ResumeMessages.isControl(frame)) {
      try {
        hello = ResumeMessages.decode((Frame.Pong) frame);
      } catch (IllegalArgumentException e) {
        hello = null;
      }
    }
    if (hello == null || hello.type() != ResumeMessages.HELLO) {
      physical
          .close(1002, "expected HELLO of " + Resume.PROTOCOL)
          .subscribe(null, e -> physical.dispose());
      return;
    }
    registry.hello(this, hello, application);
  }

  /** Called by the registry, inside the session's mailbox or before anyone can see it. */
  void bind(ResumedSession to) {
    session = to;
  }

  /**
   * Inside: bound and welcomed; read ahead {@code credit} frames, then write. Credit given back
   * later is requested {@code batch} frames at a time.
   */
  void bound(long credit, int batch) {
    this.batch = batch;
    physical.send(this).subscribe(null, e -> {});
    if (credit > 0) {
      upstream.request(credit);
    }
  }

  /** Inside: {@code n} more frames may be read from the connection (requested in batches). */
  void read(long n) {
    freed += n;
    if (freed >= batch) {
      long more = freed;
      freed = 0;
      upstream.request(more);
    }
  }

  @Override
  public void onError(Throwable t) {
    ended(false);
  }

  /** On the event loop, after the client's close frame if it sent one. */
  @Override
  public void onComplete() {
    ended(physical.closedByClient());
  }

  private void ended(boolean closedByClient) {
    ResumedSession bound = session;
    if (bound != null) {
      bound.mailbox.execute(() -> bound.ended(this, closedByClient));
    }
  }

  // ---- the writer: this connection's outbound stream ---------------------------------------

  @Override
  public void subscribe(Subscriber<? super Frame> writer) {
    ResumedSession bound = session;
    bound.mailbox.execute(
        () -> {
          bound.writerSubscribed(this, writer);
          writer.onSubscribe(this);
        });
  }

  @Override
  public void request(long n) {
    ResumedSession bound = session;
    if (n <= 0 || bound == null) {
      return;
    }
    if (bound.mailbox.enter()) {
      try {
        bound.writerRequested(this, n);
      } finally {
        bound.mailbox.leave();
      }
    } else if (bound.mailbox.isInside()) {
      bound.writerRequested(this, n); // the writer asks for more from inside onNext
    } else {
      bound.mailbox.execute(() -> bound.writerRequested(this, n));
    }
  }

  @Override
  public void cancel() {
    ResumedSession bound = session;
    if (bound != null) {
      bound.mailbox.execute(() -> bound.writerCancelled(this));
    }
  }
}
