package dev.lifeline;

/**
 * The peer closed the connection. With a close frame {@link #code()} is its status; without one
 * (the stream just ended) it is 1006, RFC 6455's "abnormal closure".
 *
 * <p>Retryable unless the code says that the peer will reject a new connection the same way: 1002
 * (protocol error), 1003 (unsupported data), 1007 (invalid payload), 1008 (policy violation), 1009
 * (message too big), 1010 (missing extension) end supervision (C7).
 *
 * @since 0.1.0
 */
public final class ConnectionClosedException extends LifelineException {
  private static final long serialVersionUID = 1L;

  /**
   * RFC 6455's code for a connection that ended without a close frame.
   *
   * @since 0.1.0
   */
  public static final int ABNORMAL_CLOSURE = 1006;

  private final int code;
  private final String reason;

  /**
   * @param code the close status
   * @param reason the close reason, {@code ""} for none
   * @since 0.1.0
   */
  public ConnectionClosedException(int code, String reason) {
    super(describe(code, reason));
    this.code = code;
    this.reason = reason;
  }

  /**
   * The close status: the peer's, or 1006 when it sent no close frame.
   *
   * @since 0.1.0
   */
  public int code() {
    return code;
  }

  /**
   * The peer's close reason; {@code ""} for none.
   *
   * @since 0.1.0
   */
  public String reason() {
    return reason;
  }

  private static String describe(int code, String reason) {
    String what =
        code == ABNORMAL_CLOSURE
            ? "connection ended without a close frame (1006 abnormal closure)"
            : "peer closed the connection with status " + code + " " + name(code);
    return reason.isEmpty() ? what : what + ": \"" + reason + "\"";
  }

  static String name(int code) {
    return switch (code) {
      case 1000 -> "(normal closure)";
      case 1001 -> "(going away)";
      case 1002 -> "(protocol error)";
      case 1003 -> "(unsupported data)";
      case 1006 -> "(abnormal closure)";
      case 1007 -> "(invalid payload data)";
      case 1008 -> "(policy violation)";
      case 1009 -> "(message too big)";
      case 1010 -> "(mandatory extension)";
      case 1011 -> "(internal server error)";
      case 1012 -> "(service restart)";
      case 1013 -> "(try again later)";
      default -> "(application-defined)";
    };
  }
}
