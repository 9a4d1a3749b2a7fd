package dev.lifeline;

import java.time.Duration;

/**
 * The peer sent nothing within the heartbeat timeout after a heartbeat, or after each of {@link
 * Heartbeat#unansweredLimit()} heartbeats in a row (C3, C10). Retryable.
 *
 * @since 0.1.0
 */
public final class PeerDeadException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final long sequence;
  private final long answered;
  private final int unanswered;
  private final Duration timeout;

  /**
   * A death after one unanswered heartbeat, the default limit.
   *
   * @param timeout the heartbeat timeout that passed
   * @param sequence the unanswered heartbeat's number on its connection
   * @param answered how many heartbeats this connection had answered before
   * @since 0.1.0
   */
  public PeerDeadException(Duration timeout, long sequence, long answered) {
    this(timeout, sequence, answered, 1);
  }

  /**
   * @param timeout the heartbeat timeout that passed after each unanswered heartbeat
   * @param sequence the last unanswered heartbeat's number on its connection
   * @param answered how many heartbeats this connection had answered before
   * @param unanswered how many heartbeats in a row went unanswered, at least 1
   * @since 0.2.0
   */
  public PeerDeadException(Duration timeout, long sequence, long answered, int unanswered) {
    super(message(timeout, sequence, answered, unanswered));
    this.sequence = sequence;
    this.answered = answered;
    this.unanswered = unanswered;
    this.timeout = timeout;
  }

  private static String message(Duration timeout, long sequence, long answered, int unanswered) {
    String which =
        unanswered <= 1
            ? "heartbeat #" + sequence + " ("
            : "each of "
                + unanswered
                + " heartbeats in a row (#"
                + (sequence - unanswered + 1)
                + " to #"
                + sequence
                + ", ";
    return "no frame from peer within "
        + timeout.toMillis()
        + " ms after "
        + which
        + answered
        + " answered before)"
        + (answered == 0
            ? ": the network or the peer is dead, or the peer does not answer this heartbeat"
                + " (if it is alive, check the dialect: Heartbeat.ping() or the text it"
                + " answers)"
            : ": the network or the peer is dead");
  }

  /**
   * How many heartbeats in a row went unanswered: the heartbeat's {@link
   * Heartbeat#unansweredLimit()}.
   *
   * @since 0.2.0
   */
  public int unanswered() {
    return unanswered;
  }

  /**
   * The last unanswered heartbeat's number on its connection.
   *
   * @since 0.1.0
   */
  public long sequence() {
    return sequence;
  }

  /**
   * How many heartbeats the connection had answered before this one.
   *
   * @since 0.1.0
   */
  public long answered() {
    return answered;
  }

  /**
   * The heartbeat timeout that passed.
   *
   * @since 0.1.0
   */
  public Duration timeout() {
    return timeout;
  }
}
