package dev.lifeline;

import java.time.Duration;

/**
 * The server accepted the connection but did not complete the WebSocket upgrade in time: the
 * transport's own handshake timeout passed. Retryable: a server that is starting or overloaded may
 * answer the next attempt (C4).
 *
 * @since 0.1.0
 */
public final class HandshakeTimeoutException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * @param uri the address the upgrade was sent to
   * @param timeout how long the transport waited for the upgrade's answer
   * @since 0.1.0
   */
  public HandshakeTimeoutException(String uri, Duration timeout) {
    super(
        "WebSocket handshake with "
            + uri
            + " did not complete within "
            + timeout.toMillis()
            + " ms: no answer to the upgrade request (the server, or something between, is not"
            + " answering); will retry (raise WebSocketTransport.handshakeTimeout(..) if the"
            + " server is just slow)");
    this.timeout = timeout;
  }

  /**
   * How long the transport waited for the upgrade's answer.
   *
   * @since 0.1.0
   */
  public Duration timeout() {
    return timeout;
  }
}
