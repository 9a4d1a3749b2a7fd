package dev.lifeline;

import java.time.Duration;

/**
 * The peer sent nothing within the heartbeat timeout after a heartbeat (C3). Retryable.
 *
 * @since 0.1.0
 */
public final class PeerDeadException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final long sequence;
  private final long answered;
  private final Duration timeout;

  /**
   * @param timeout the heartbeat timeout that passed
   * @param sequence the unanswered heartbeat's number on its connection
   * @param answered how many heartbeats this connection had answered before
   * @since 0.1.0
   */
  public PeerDeadException(Duration timeout, long sequence, long answered) {
    super(
        "no frame from peer within "
            + timeout.toMillis()
            + " ms after heartbeat #"
            + sequence
            + " ("
            + answered
            + " answered before)"
            + (answered == 0
                ? ": the network or the peer is dead, or the peer does not answer this heartbeat"
                    + " (if it is alive, check the dialect: Heartbeat.ping() or the text it"
                    + " answers)"
                : ": the network or the peer is dead"));
    this.sequence = sequence;
    this.answered = answered;
    this.timeout = timeout;
  }

  /**
   * The unanswered heartbeat's number on its connection.
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
