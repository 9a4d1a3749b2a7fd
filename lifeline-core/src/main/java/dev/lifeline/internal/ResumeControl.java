package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.Transport;
import java.time.Duration;
import java.util.List;

/**
 * The resume side of one {@link Link} ({@code lifeline.resume.v1}, see {@code
 * docs/resume-protocol.md}): the offer in its handshake, whether the server selected it, the data
 * frames it counts and the server's control messages (WELCOME, ACK, ACKREQ), with the events they
 * cause. The session's state, spanning the links, is the {@link Resumption}.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}, as its link is: plain fields.
 */
final class ResumeControl {
  /** The subprotocol offered in every handshake of a resuming client. */
  static final List<String> OFFER = List.of(Resume.PROTOCOL);

  private final Link link;
  private final Resumption session;
  private final Outbox outbox;
  private final EventLog events;

  /** Whether this connection speaks resume: its unconfirmed frames are replayed, not lost. */
  private boolean resuming;

  ResumeControl(Link link, Supervision supervision) {
    this.link = link;
    this.session = supervision.resumption;
    this.outbox = supervision.outbox;
    this.events = supervision.events;
  }

  /** Whether the server selected resume for this connection. */
  boolean resuming() {
    return resuming;
  }

  /** The handshake completed: with resume selected HELLO goes first, otherwise it runs plain. */
  void negotiated(Transport.Connection established) {
    if (Resume.isSelected(established.subprotocol())) {
      resuming = true;
      session.greeting();
    } else {
      if (session.hasSession()) {
        // the server no longer selects resume: what it did not acknowledge may be lost
        events.sessionLost(link.number, session.abandonSession());
      }
      session.plain();
    }
    outbox.drain();
  }

  /**
   * A frame arrived: a data frame is counted, a control message applied (and the next frame read).
   * True when it was the protocol's own (a control message, or a data frame before the WELCOME: a
   * violation the link is closed for), false when it goes on to the application.
   */
  boolean inbound(Frame frame) {
    if (!session.active()) {
      return false;
    }
    if (ResumeMessages.isControl(frame)) {
      String violation = received((Frame.Pong) frame);
      if (violation != null) {
        link.violation(violation);
      } else {
        outbox.drain(); // a WELCOME starts the replay, an ACK frees places, an ACKREQ wants an ACK
      }
      link.readNext();
      return true;
    }
    if (ResumeMessages.isData(frame)) {
      if (session.phase() != Resumption.Phase.READY) {
        link.violation("the server sent a data frame before its WELCOME");
        return true;
      }
      session.receivedData(frame);
      if (session.controlDue()) {
        outbox.drain();
      }
    }
    return false;
  }

  /**
   * Applies the control message {@code frame} to the session.
   *
   * @return null when applied, or what the server did wrong: the connection is then closed with
   *     1002
   */
  private String received(Frame.Pong frame) {
    ResumeMessages.Message m;
    long acknowledged;
    try {
      acknowledged = ResumeMessages.ackCount(frame); // the steady stream's message: no allocation
      m = acknowledged < 0 ? ResumeMessages.decode(frame) : null;
    } catch (IllegalArgumentException e) {
      return "the server sent a malformed resume message: " + e.getMessage();
    }
    if (m == null) {
      if (session.phase() != Resumption.Phase.READY || !session.acknowledged(acknowledged)) {
        return "the server acknowledged "
            + acknowledged
            + " frames, but "
            + session.out.acknowledged()
            + " to "
            + session.out.sent()
            + " were possible";
      }
      return null;
    }
    switch (m.type()) {
      case ResumeMessages.WELCOME -> {
        return welcome(m);
      }
      case ResumeMessages.ACK_REQUEST -> {
        session.ackRequested();
        return null;
      }
      default -> {
        return "the server sent a HELLO, which only a client sends";
      }
    }
  }

  private String welcome(ResumeMessages.Message m) {
    int attempt = link.number;
    long replayBase = session.out.size();
    long since = session.detachedAt();
    switch (session.welcome(m)) {
      case STARTED -> events.sessionStarted(attempt);
      case RESUMED ->
          events.sessionResumed(
              attempt,
              session.out.size(),
              since < 0 ? Duration.ZERO : Duration.ofNanos(link.now() - since));
      case LOST -> {
        events.sessionLost(attempt, session.lostFrames());
        events.sessionStarted(attempt);
      }
      case INVALID -> {
        return "the server's WELCOME is impossible (status "
            + (char) m.status()
            + ", it received "
            + m.received()
            + " frames, "
            + replayBase
            + " unacknowledged after "
            + session.out.acknowledged()
            + ")";
      }
    }
    return null;
  }
}
