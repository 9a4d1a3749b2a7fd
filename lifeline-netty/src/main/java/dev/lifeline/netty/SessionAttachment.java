package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.internal.ResumeMessages;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * One physical connection of a session: takes its frames straight from the {@link ServerSession} as
 * they are read (the HELLO first, the rest held until the session took the connection), and is the
 * outbound stream written to it.
 *
 * <p>Two owners, one per side of the connection. <b>Reading</b> ({@code greeted}, {@code
 * discarding}, {@code held}, {@code holding}, the read-ahead credit in frames and bytes, and the
 * end noted while holding) is confined to the connection's event loop, where every frame and the
 * end arrive; each frame then hops into the session's mailbox, inline when no one is inside.
 * <b>Read credit given back</b> ({@code freed}, {@code freedBytes}) is confined to the session's
 * mailbox and reaches the event loop a batch at a time. The writer's signals hop into the mailbox
 * too. {@code session} is the one volatile field: set once by the registry, then read by the event
 * loop's and the writer's threads to find that mailbox.
 *
 * <p>The read-ahead ({@link ResumeSessions.ReadAhead}) counts every frame read after the HELLO,
 * resume messages included, until the session is done with it (the application took it, or the
 * session applied or dropped it) and its place came back in a batch: when either bound is used up
 * the socket is paused (TCP backpressure to the client), and it reads again once credit comes back.
 */
final class SessionAttachment implements Publisher<Frame>, Subscription {
  final ServerSession physical;
  private final ResumeSessions registry;
  private final Function<ServerConnection, Publisher<Void>> application;
  private volatile ResumedSession session;

  // the event loop
  private boolean greeted;
  private boolean holding = true;

  /** No HELLO first, or the session is done with this connection: its frames are dropped. */
  private boolean discarding;

  private final SizedFrames held = new SizedFrames();
  private long credit;
  private long byteCredit;
  private boolean endedWhileHolding;
  private boolean endedByClient;

  // the session's mailbox, once bound: read credit given back, passed on a batch at a time
  private final ResumeSessions.ReadAhead limits;
  private long freed;
  private long freedBytes;

  /** Made by {@code physical}'s constructor, before it reads a frame. */
  SessionAttachment(
      ServerSession physical,
      ResumeSessions registry,
      Function<ServerConnection, Publisher<Void>> application) {
    this.physical = physical;
    this.registry = registry;
    this.application = application;
    this.limits = registry.readAhead();
    this.credit = limits.frames();
    this.byteCredit = limits.bytes();
  }

  /**
   * On the event loop: a frame read from the connection, whose payload was {@code size} bytes on
   * the wire.
   */
  void frame(Frame frame, int size) {
    if (discarding) {
      return;
    }
    if (!holding) {
      take(size);
      toSession(frame, size);
      return;
    }
    if (greeted) {
      // after the HELLO, before the session took this connection: delivered once it has
      take(size);
      held.add(frame, size);
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
      discarding = true;
      physical
          .close(1002, "expected HELLO of " + Resume.PROTOCOL)
          .subscribe(null, e -> physical.dispose());
      return;
    }
    registry.hello(this, hello, application);
  }

  /** On the event loop: a frame of {@code size} bytes uses its place of the read-ahead. */
  private void take(int size) {
    credit--;
    byteCredit -= size;
    if (credit <= 0 || byteCredit < 0) {
      physical.pauseReading(); // the frames of the read under way still come
    }
  }

  /** On the event loop, once the session took this connection: a frame into the session. */
  private void toSession(Frame frame, int size) {
    ResumedSession bound = session;
    if (bound.mailbox.enter()) {
      try {
        bound.frame(this, frame, size);
      } finally {
        bound.mailbox.leave();
      }
    } else {
      bound.mailbox.execute(() -> bound.frame(this, frame, size));
    }
  }

  /** Called by the registry, inside the session's mailbox or before anyone can see it. */
  void bind(ResumedSession to) {
    session = to;
  }

  /**
   * Inside: bound and welcomed; write, and pass the frames read since the HELLO to the session. The
   * read-ahead counts them already: what the application takes gives their places back.
   */
  void bound() {
    physical.send(this).subscribe(null, e -> {});
    physical.onLoop(this::release);
  }

  /** On the event loop: the frames held since the HELLO go to the session, then the rest. */
  private void release() {
    if (discarding) {
      return;
    }
    holding = false;
    while (!held.isEmpty()) {
      int size = held.peekSize();
      toSession(held.poll(), size);
    }
    if (endedWhileHolding) {
      forward(endedByClient);
    } else if (credit > 0 && byteCredit >= 0) {
      physical.resumeReading();
    }
  }

  /**
   * Inside, or on any thread once the session let this connection go: from now on the frames read
   * are dropped where they are read, and the reading goes on, so that the client's close frame is
   * still read. The session is done with this connection (it ended, or refused it).
   */
  void discard() {
    physical.onLoop(
        () -> {
          discarding = true;
          held.clear();
          physical.resumeReading();
        });
  }

  /**
   * Inside: a frame of {@code size} bytes left the read-ahead (the application took it, or the
   * session dropped it); passed on to the event loop in batches.
   */
  void read(long n, long size) {
    freed += n;
    freedBytes += size;
    if (freed >= limits.frameBatch() || freedBytes >= limits.byteBatch()) {
      long more = freed;
      long moreBytes = freedBytes;
      freed = 0;
      freedBytes = 0;
      physical.onLoop(() -> grant(more, moreBytes));
    }
  }

  /** On the event loop. */
  private void grant(long more, long moreBytes) {
    credit += more;
    byteCredit += moreBytes;
    if (credit > 0 && byteCredit >= 0) {
      physical.resumeReading();
    }
  }

  /** On the event loop, after the last frame (and the client's close frame if it sent one). */
  void ended(boolean closedByClient) {
    if (discarding) {
      return; // the session is done with this connection, or never had it
    }
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
