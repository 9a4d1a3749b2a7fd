package dev.lifeline;

import org.jspecify.annotations.Nullable;

/**
 * The base of every exception Lifeline raises itself.
 *
 * @since 0.1.0
 */
public class LifelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message that says what happened and what to do.
   *
   * @since 0.1.0
   */
  public LifelineException(String message) {
    super(message);
  }

  /**
   * An exception with a message and the failure behind it.
   *
   * @since 0.1.0
   */
  public LifelineException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
