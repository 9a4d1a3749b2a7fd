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
            + "; the last one failed: "
            + describe(lastCause),
        lastCause);
    this.attempts = attempts;
  }

  /**
   * A failure in words: Lifeline's own exceptions by their message, which says what happened; any
   * other by its message and its type, or its type alone when it has no message.
   */
  private static String describe(Throwable failure) {
    if (failure == null) {
      return "no failure was reported";
    }
    String message = failure.getMessage();
    String type = failure.getClass().getSimpleName();
    if (message == null || message.isBlank()) {
      return type;
    }
    return failure instanceof LifelineException ? message : message + " (" + type + ")";
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
