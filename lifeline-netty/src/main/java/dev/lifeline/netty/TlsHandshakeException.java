package dev.lifeline.netty;

import dev.lifeline.LifelineException;

/**
 * A {@code wss://} connection attempt failed because the server's certificate is not trusted: not
 * signed by an authority the client's {@link io.netty.handler.ssl.SslContext} trusts, expired, or
 * not issued for the host. The JDK's failure is the {@linkplain #getCause() cause}. Not retryable
 * by {@link dev.lifeline.Supervisor#DEFAULT_RETRYABLE}: another attempt would meet the same
 * certificate. Trust it with {@link
 * WebSocketTransport#sslContext(io.netty.handler.ssl.SslContext)}.
 *
 * @since 0.1.0
 */
public final class TlsHandshakeException extends LifelineException {
  private static final long serialVersionUID = 1L;

  TlsHandshakeException(String message, Throwable cause) {
    super(message, cause);
  }
}
