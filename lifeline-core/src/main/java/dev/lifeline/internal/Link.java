package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.PeerDeadException;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.Resume;
import dev.lifeline.Transport;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One attempt and, once its handshake succeeded, one physical connection: its handshake, its
 * inbound frames (heartbeat traffic kept from the application, C8), its outbound stream, its {@link
 * Watchdog} (C2, C3) and how it ended.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}: every signal of the transport hops in
 * before it touches a field (inline, without allocating, when no one else is inside; queued behind
 * the current input when the transport calls back from inside), so the fields are plain. A signal
 * from a link that is no longer its {@link Supervision}'s current one, or that ended, changes
 * nothing. Its outbound stream is its {@link LinkWriter}.
 *
 * <p>The inbound stream ends, for the supervision, with the cause to reconnect after or give up on
 * ({@link LinkEnd}), or normally, once this side asked to close.
 */
final class Link implements CoreSubscriber<Frame>, Runnable {

  /** What cancelling or closing closes the connection with (C1). */
  static final Frame.Close NORMAL_CLOSURE = Frame.close(1000, "");

  /**
   * Frames read past the application's demand once this side closed: enough for what a peer sends
   * before it sees the close frame; a peer that sends more makes the close wait for the transport's
   * timeout, as before.
   */
  static final int CLOSE_READ_AHEAD = 256;

  final int number;
  private final Supervision supervision;
  private final Delivery delivery;
  private final Mailbox mailbox;
  private final Outbox outbox;
  private final Heartbeat heartbeat;
  private final Watchdog watchdog;
  private final Handshake handshake;
  private final LinkLiveness liveness;

  /** The session this connection carries, or null without resume. */
  private final Resumption resumption;

  /** Its resume side, or null without resume. */
  private final ResumeControl resume;

  private Transport.Connection connection;
  private Subscription upstream;
  private final LinkWriter writer;
  private boolean stampedPerRead;
  private boolean provenAlive;
  private boolean closing;
  boolean abandoned;
  boolean ended;
  private long connectedAt;
  private Frame.Close peerClose;

  /** Why this side broke the connection off: a resume protocol violation, timers refused. */
  private Throwable broken;

  /** Registered with the suspend detector while the connection is read; null otherwise. */
  private Disposable suspensions;

  /** The detector's call, from its thread: the probe hops inside. */
  private final Runnable probe;

  Link(Supervision supervision, int number) {
    this.supervision = supervision;
    this.number = number;
    this.delivery = supervision.delivery;
    this.mailbox = supervision.mailbox;
    this.probe = () -> mailbox.execute(this::probe);
    this.outbox = supervision.outbox;
    this.writer = new LinkWriter(this, mailbox, outbox);
    this.liveness = new LinkLiveness(this, supervision, writer);
    Settings settings = supervision.settings;
    this.heartbeat = settings.heartbeat();
    this.handshake = new Handshake(this, supervision);
    this.resumption = supervision.resumption;
    this.resume = resumption == null ? null : new ResumeControl(this, supervision);
    this.watchdog =
        new Watchdog(
            settings.scheduler(),
            mailbox,
            this,
            heartbeat,
            heartbeat.interval(),
            heartbeat.timeout(),
            liveness);
  }

  /** Starts the handshake on {@code transport}. */
  void connect(Transport transport) {
    Mono<? extends Transport.Connection> attempt;
    try {
      if (resumption == null) {
        attempt = transport.connect(writer);
      } else {
        resumption.attempting();
        attempt = transport.connect(writer, ResumeControl.OFFER);
      }
    } catch (Throwable e) {
      handshake.failed(Operators.onOperatorError(e, supervision.currentContext()));
      return;
    }
    attempt.subscribe(handshake);
  }

  /** Ends this attempt for the supervision: abandons its handshake, or cancels its connection. */
  void end() {
    if (connection == null) {
      abandon();
    } else {
      cancelInbound();
    }
  }

  /** The supervision no longer wants this attempt's handshake. */
  void abandon() {
    if (abandoned) {
      return;
    }
    abandoned = true;
    ended = true;
    Subscription s = handshake.subscription;
    if (s != null) {
      s.cancel();
    }
  }

  /** The handshake succeeded: watch {@code established}. */
  void open(Transport.Connection established) {
    connection = established;
    if (resume != null) {
      resume.negotiated(established);
    }
    stampedPerRead = established.onBytesReceived(liveness);
    established.inbound().subscribe(this);
  }

  /** Inside: the watchdog's timer fired. */
  @Override
  public void run() {
    watchdog.tick();
  }

  /** The application asks for {@code n} more frames. */
  void requestInbound(long n) {
    if (upstream != null && !ended) {
      upstream.request(n);
    }
  }

  /**
   * Ends the connection with {@code frame}: frames the peer sends before its close still arrive,
   * and the end is normal unless the peer refused something as its close crossed ours.
   */
  void close(Frame.Close frame) {
    if (closing || connection == null) {
      return;
    }
    closing = true;
    watchdog.stop();
    Transport.Connection c = connection;
    c.close(frame).subscribe(null, e -> c.dispose());
    if (upstream != null && !ended) {
      // read on whatever the application's demand, so that the peer's close arrives and the
      // handshake completes now, not at the transport's close timeout; what arrives meanwhile is
      // held for the application (Delivery.deliver)
      upstream.request(CLOSE_READ_AHEAD);
    }
  }

  /** The application cancelled: the connection is closed with 1000 and nothing more is read. */
  void cancelInbound() {
    if (ended) {
      return;
    }
    ended = true;
    if (!closing) {
      // before cancelling the transport's frames: the transport then knows this side closed, and
      // the peer gets our 1000 first
      close(NORMAL_CLOSURE);
    }
    stop();
    if (upstream != null) {
      try {
        upstream.cancel();
      } catch (RuntimeException e) {
        // a transport's bug must not stop the supervision from ending (RS rule 3.15)
        Operators.onErrorDropped(e, supervision.currentContext());
      }
    }
  }

  /** Application frames written to this connection after its last answered heartbeat (C9). */
  long unconfirmedFrames() {
    if (resume != null && resume.resuming()) {
      return 0; // replayed after the reconnect (SessionResumed), or counted by SessionLost
    }
    return writer.unconfirmedFrames();
  }

  // ---- the transport's inbound frames -------------------------------------------------------

  @Override
  public Context currentContext() {
    return supervision.currentContext();
  }

  @Override
  public void onSubscribe(Subscription s) {
    inline(() -> subscribed(s));
  }

  @Override
  public void onNext(Frame frame) {
    if (mailbox.enter()) {
      try {
        frame(frame);
      } finally {
        mailbox.leave();
      }
    } else {
      mailbox.execute(() -> frame(frame));
    }
  }

  @Override
  public void onError(Throwable error) {
    mailbox.execute(() -> ended(error));
  }

  @Override
  public void onComplete() {
    mailbox.execute(() -> ended(null));
  }

  private void subscribed(Subscription s) {
    if (upstream != null || ended) {
      s.cancel();
      return;
    }
    upstream = s;
    connectedAt = watchdog.now();
    watchdog.start();
    long demand = delivery.demand();
    if (demand > 0) {
      s.request(demand);
    }
    if (closing && !ended) {
      s.request(CLOSE_READ_AHEAD); // closed before the transport's frames were subscribed
    }
    if (!ended) {
      suspensions =
          supervision.settings.suspendDetector().watch(supervision.settings.scheduler(), probe);
    }
  }

  /**
   * Bytes arrived, perhaps part of a frame: the peer is alive (a large frame over a slow link may
   * take longer than the heartbeat timeout to arrive whole). The frames come out of the same read.
   */
  void bytesReceived() {
    if (mailbox.enter()) {
      try {
        stamp();
      } finally {
        mailbox.leave();
      }
    } else {
      mailbox.execute(this::stamp);
    }
  }

  /** Inside: the process or machine was suspended: a heartbeat goes at once. */
  private void probe() {
    if (!ended && !closing) {
      watchdog.probe();
    }
  }

  private void stamp() {
    if (!ended) {
      watchdog.stamp();
    }
  }

  private void frame(Frame frame) {
    if (ended) {
      Operators.onNextDropped(frame, currentContext());
      return;
    }
    if (!stampedPerRead) {
      watchdog.stamp();
    }
    if (resume != null && resume.inbound(frame)) {
      return;
    }
    if (frame instanceof Frame.Text || frame instanceof Frame.Binary) {
      if (!provenAlive) {
        provenAlive();
      }
      // A text or binary answer is heartbeat traffic only while a heartbeat awaits it: the same
      // text at any other time is the application's.
      if (!watchdog.awaitingAnswer() || !heartbeat.isPong(frame)) {
        delivery.deliver(frame);
        return;
      }
      watchdog.answered();
    } else if (frame instanceof Frame.Close close) {
      peerClose = close;
    } else {
      if (!provenAlive) {
        provenAlive();
      }
      if (heartbeat.isPong(frame)) {
        watchdog.answered();
      }
    }
    upstream.request(1);
  }

  /** The transport's frames ended: with {@code error}, or completed when null. */
  private void ended(Throwable error) {
    if (ended) {
      if (error != null) {
        Operators.onErrorDropped(error, currentContext());
      }
      return;
    }
    if (peerClose == null && connection != null) {
      // the transport completed without the peer's close frame: no demand was outstanding
      peerClose = connection.peerClose();
    }
    stop();
    if (!provenAlive
        && liveness.death() == null
        && watchdog.now() - connectedAt >= heartbeat.timeout().toNanos()) {
      // A connection the peer ended after it stayed open for at least the heartbeat timeout counts
      // as established even if no frame arrived (a quiet feed behind a proxy that closes idle
      // connections), unlike one the peer ends at once (a flapping server) or one found dead.
      provenAlive();
    }
    PeerDeadException death = liveness.death();
    if (closing && death == null && broken == null) {
      supervision.linkEnded(this, LinkEnd.refusal(error, peerClose), true);
      return;
    }
    supervision.linkEnded(this, LinkEnd.cause(death, broken, error, peerClose), false);
  }

  /** The server broke the resume protocol: closed with 1002, not retried (C7). */
  void violation(String what) {
    breakOff(
        new ProtocolViolationException(
            1002,
            what
                + "; the connection was closed with 1002. The server does not implement "
                + Resume.PROTOCOL
                + " correctly: fix it, or disable resume on this client",
            null),
        Frame.close(1002, "resume protocol violation"));
  }

  /**
   * This side breaks the connection off because of {@code why}, the cause it ends with: closed with
   * {@code close}, or disposed when null.
   */
  void breakOff(Throwable why, Frame.Close close) {
    if (ended || broken != null) {
      return;
    }
    broken = why;
    writer.detach();
    if (close == null) {
      dispose();
    } else {
      close(close);
    }
  }

  /** Drops the connection at once, without a closing handshake. */
  void dispose() {
    connection.dispose();
  }

  private void provenAlive() {
    provenAlive = true;
    supervision.provenAlive();
  }

  private void stop() {
    ended = true;
    watchdog.stop();
    if (suspensions != null) {
      suspensions.dispose();
      suspensions = null;
    }
    if (resumption != null) {
      resumption.detached(watchdog.now());
    }
    writer.detach();
  }

  /**
   * Runs {@code task} inside; directly when the transport calls back from inside. Only for the
   * handshake's signals and the inbound subscription, which a synchronous transport gives while
   * {@link #connect} or {@link #open} is the last step of the input that called it.
   */
  void inline(Runnable task) {
    if (mailbox.isInside()) {
      task.run();
    } else {
      mailbox.execute(task);
    }
  }

  /** Reads the next frame: the one just taken was the protocol's own. */
  void readNext() {
    if (!ended) {
      upstream.request(1);
    }
  }

  /** The scheduler's monotonic time, in nanoseconds. */
  long now() {
    return watchdog.now();
  }

  /** Whether this link may write: it is its supervision's current one and did not end. */
  boolean isCurrent() {
    return !ended && supervision.isCurrent(this);
  }
}
