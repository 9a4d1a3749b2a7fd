package dev.lifeline;

import org.jspecify.annotations.Nullable;

/**
 * This side closed the connection because the peer broke the protocol or a limit: a frame over the
 * maximum payload length (1009), a malformed frame (1002), invalid UTF-8 in a text frame (1007).
 * {@link #code()} is the close status this side sent.
 *
 * <p>Classified like a close from the peer with the same code: 1002, 1003, 1007, 1008, 1009 and
 * 1010 end supervision at once (C7), since a new connection would meet the same peer and the same
 * limit.
 *
 * @since 0.1.0
 */
public final class ProtocolViolationException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int code;

  /**
   * @param code the close status this side sent
   * @param message what the peer did and what to do about it
   * @param cause the transport's own error, or {@code null}
   * @since 0.1.0
   */
  public ProtocolViolationException(int code, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /**
   * The close status this side sent.
   *
   * @since 0.1.0
   */
  public int code() {
    return code;
  }
}
