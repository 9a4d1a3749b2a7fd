package dev.lifeline;

/**
 * The retry policy gave up: the attempts of one outage all failed (C6). The last failure is the
 * {@linkplain #getCause() cause}.
 *
 * @since 0.1.0
 */
public final class ReconnectsExhaustedException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int attempts;

  /**
   * @param attempts the reconnect attempts made in the outage
   * @param lastCause the last attempt's failure
   * @since 0.1.0
   */
  public ReconnectsExhaustedException(int attempts, Throwable lastCause) {
    super(
        "gave up after "
            + attempts
            + " reconnect attempt"
            + (attempts == 1 ? "" : "s")
            + "; last cause: "
            + lastCause,
        lastCause);
    this.attempts = attempts;
  }

  /**
   * The reconnect attempts made in the outage before giving up.
   *
   * @since 0.1.0
   */
  public int attempts() {
    return attempts;
  }
}
