package dev.lifeline.internal;

import dev.lifeline.Frame;
import java.time.Duration;

/**
 * What the client does with the server's {@code lifeline.resume.v1} control messages (WELCOME, ACK,
 * ACKREQ; see {@code docs/resume-protocol.md}), and the events they cause.
 *
 * <p>Stateless: the state is the session's {@link Resumption}, confined to the connection's {@link
 * Mailbox}, from which {@link Link} calls this.
 */
final class ResumeControl {
  private ResumeControl() {}

  /**
   * Applies the control message {@code frame} to {@code session}; {@code attempt} is the
   * connection's number for the events and {@code now} the scheduler's monotonic time.
   *
   * @return null when applied, or what the server did wrong: the connection is then closed with
   *     1002
   */
  static String received(
      Resumption session, Frame.Pong frame, EventLog events, int attempt, long now) {
    ResumeMessages.Message m;
    try {
      m = ResumeMessages.decode(frame);
    } catch (IllegalArgumentException e) {
      return "the server sent a malformed resume message: " + e.getMessage();
    }
    switch (m.type()) {
      case ResumeMessages.WELCOME -> {
        return welcome(session, m, events, attempt, now);
      }
      case ResumeMessages.ACK -> {
        if (session.phase() != Resumption.Phase.READY || !session.acknowledged(m.received())) {
          return "the server acknowledged "
              + m.received()
              + " frames, but "
              + session.out.acknowledged()
              + " to "
              + session.out.sent()
              + " were possible";
        }
        return null;
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

  private static String welcome(
      Resumption session, ResumeMessages.Message m, EventLog events, int attempt, long now) {
    long replayBase = session.out.size();
    long since = session.detachedAt();
    switch (session.welcome(m)) {
      case STARTED -> events.sessionStarted(attempt);
      case RESUMED ->
          events.sessionResumed(
              attempt,
              session.out.size(),
              since < 0 ? Duration.ZERO : Duration.ofNanos(now - since));
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
