package dev.lifeline;

/**
 * The server answered the WebSocket upgrade with an HTTP status other than 101.
 *
 * <p>5xx, 408 (request timeout) and 429 (too many requests) are retryable; every other 4xx means
 * the request itself is wrong (path, credentials, origin) and ends supervision at once (C7).
 *
 * @since 0.1.0
 */
public final class HandshakeException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int status;

  /**
   * @param uri the address the upgrade was sent to
   * @param status the HTTP status the server answered with
   * @param reasonPhrase the status line's reason phrase
   * @since 0.1.0
   */
  public HandshakeException(String uri, int status, String reasonPhrase) {
    super(
        "WebSocket handshake with "
            + uri
            + " failed: server answered HTTP "
            + status
            + (reasonPhrase.isEmpty() ? "" : " " + reasonPhrase)
            + " instead of 101 Switching Protocols"
            + hint(status));
    this.status = status;
  }

  /**
   * A handshake the server answered with 101 Switching Protocols in a way the client cannot accept
   * (a subprotocol it did not ask for or none of those it asked for, a missing or wrong {@code
   * Sec-WebSocket-Accept}). Not retried by default: the same server answers the same way again.
   *
   * @param uri the address the upgrade was sent to
   * @param problem what is wrong with the server's answer
   * @since 0.1.0
   */
  public HandshakeException(String uri, String problem) {
    super(
        "WebSocket handshake with "
            + uri
            + " failed: the server answered 101 Switching Protocols, but "
            + problem);
    this.status = 101;
  }

  /**
   * The HTTP status the server answered with.
   *
   * @since 0.1.0
   */
  public int status() {
    return status;
  }

  private static String hint(int status) {
    if (status == 401 || status == 403) {
      return "; check the credentials or headers sent with the upgrade";
    }
    if (status == 404) {
      return "; check the URI's path";
    }
    if (status >= 500 || status == 408 || status == 429) {
      return "; will retry";
    }
    return "";
  }
}
