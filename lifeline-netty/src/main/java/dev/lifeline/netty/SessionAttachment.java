package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.internal.ResumeMessages;
import java.util.ArrayDeque;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * One physical connection of a session: takes its frames straight from the {@link ServerSession} as
 * they are read (the HELLO first, the rest held until the session took the connection), and is the
 * outbound stream written to it.
 *
 * <p>Two owners, one per side of the connection. <b>Reading</b> ({@code greeted}, {@code held},
 * {@code holding}, {@code credit} and the end noted while holding) is confined to the connection's
 * event loop, where every frame and the end arrive; each frame then hops into the session's
 * mailbox, inline when no one is inside. <b>Read credit given back</b> ({@code freed}, {@code
 * batch}) is confined to the session's mailbox and reaches the event loop a batch at a time. The
 * writer's signals hop into the mailbox too. {@code session} is the one volatile field: set once by
 * the registry, then read by the event loop's and the writer's threads to find that mailbox.
 */
final class SessionAttachment implements Publisher<Frame>, Subscription {
  final ServerSession physical;
  private final ResumeSessions registry;
  private final Function<ServerConnection, Publisher<Void>> application;
  private volatile ResumedSession session;

  // the event loop
  private boolean greeted;
  private boolean refused;
  private boolean holding = true;
  private final ArrayDeque<Frame> held = new ArrayDeque<>();
  private long credit;
  private boolean endedWhileHolding;
  private boolean endedByClient;

  // the session's mailbox, once bound: read credit given back, passed on a batch at a time
  private long freed;
  private long batch = 1;

  /** Made by {@code physical}'s constructor, before it reads a frame. */
  SessionAttachment(
      ServerSession physical,
      ResumeSessions registry,
      Function<ServerConnection, Publisher<Void>> application) {
    this.physical = physical;
    this.registry = registry;
    this.application = application;
  }

  /** On the event loop: a frame read from the connection. */
  void frame(Frame frame) {
    if (!holding) {
      deliver(frame);
      return;
    }
    if (refused) {
      return;
    }
    if (greeted) {
      // after the HELLO, before the session took this connection: delivered once it has
      held.add(frame);
      if (held.size() >= ServerSession.INBOUND_BUFFER) {
        physical.pauseReading();
      }
      return;
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
      refused = true;
      physical
          .close(1002, "expected HELLO of " + Resume.PROTOCOL)
          .subscribe(null, e -> physical.dispose());
      return;
    }
    registry.hello(this, hello, application);
  }

  /** On the event loop, once the session took this connection: a frame into the session. */
  private void deliver(Frame frame) {
    if (--credit <= 0) {
      physical.pauseReading(); // the frames of the read under way still come
    }
    ResumedSession bound = session;
    if (bound.mailbox.enter()) {
      try {
        bound.frame(this, frame);
      } finally {
        bound.mailbox.leave();
      }
    } else {
      bound.mailbox.execute(() -> bound.frame(this, frame));
    }
  }

  /** Called by the registry, inside the session's mailbox or before anyone can see it. */
  void bind(ResumedSession to) {
    session = to;
  }

  /**
   * Inside: bound and welcomed; read ahead {@code credit} frames, then write. Credit given back
   * later is passed on {@code batch} frames at a time.
   */
  void bound(long credit, int batch) {
    this.batch = batch;
    physical.send(this).subscribe(null, e -> {});
    physical.onLoop(() -> release(credit));
  }

  /** On the event loop: the frames held since the HELLO go to the session, then the rest. */
  private void release(long initialCredit) {
    credit = initialCredit;
    holding = false;
    Frame next;
    while ((next = held.poll()) != null) {
      deliver(next);
    }
    if (endedWhileHolding) {
      forward(endedByClient);
    } else if (credit > 0) {
      physical.resumeReading();
    }
  }

  /** Inside: {@code n} more frames may be read from the connection (passed on in batches). */
  void read(long n) {
    freed += n;
    if (freed >= batch) {
      long more = freed;
      freed = 0;
      physical.onLoop(() -> grant(more));
    }
  }

  /** On the event loop. */
  private void grant(long more) {
    credit += more;
    if (credit > 0) {
      physical.resumeReading();
    }
  }

  /** On the event loop, after the last frame (and the client's close frame if it sent one). */
  void ended(boolean closedByClient) {
    if (holding) {
      endedWhileHolding = true;
      endedByClient = closedByClient;
      return;
    }
    forward(closedByClient);
  }

  private void forward(boolean closedByClient) {
    ResumedSession bound = session;
    bound.mailbox.execute(() -> bound.ended(this, closedByClient));
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
