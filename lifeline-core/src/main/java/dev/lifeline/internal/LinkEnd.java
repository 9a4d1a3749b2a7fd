package dev.lifeline.internal;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.Frame;
import dev.lifeline.PeerDeadException;

/**
 * How a {@link Link}'s connection ended, in the words the supervision acts on: the cause to
 * reconnect after or give up on, or, when this side closed it, the peer's refusal if there was one.
 *
 * <p>Stateless: the link passes what it saw, from inside the connection's {@link Mailbox}.
 */
final class LinkEnd {

  /** A close frame without a status code (RFC 6455, 7.1.5). */
  private static final int NO_STATUS = 1005;

  private LinkEnd() {}

  /**
   * Why a connection this side did not close ended: {@code death} when the watchdog killed it,
   * {@code broken} when this side broke it off (a resume protocol violation, timers refused), the
   * transport's own {@code error}, or {@link ConnectionClosedException} with the peer's {@code
   * close} status (1006 without a close frame).
   */
  static Throwable cause(
      PeerDeadException death, Throwable broken, Throwable error, Frame.Close close) {
    Throwable cause = death != null ? death : broken != null ? broken : error;
    if (cause != null) {
      return cause;
    }
    return close == null
        ? new ConnectionClosedException(ConnectionClosedException.ABNORMAL_CLOSURE, "")
        : new ConnectionClosedException(close.code(), close.reason());
  }

  /**
   * The peer's own close status if it ended the connection with an error while this side was
   * closing it (its close crossed ours: a frame it refused with 1008, say), for the {@code
   * Disconnected} event; null for the usual answers (1000, 1001, no status).
   */
  static ConnectionClosedException refusal(Throwable error, Frame.Close close) {
    if (error instanceof ConnectionClosedException refused) {
      return isRefusal(refused.code()) ? refused : null;
    }
    if (error != null || close == null || !isRefusal(close.code())) {
      return null;
    }
    return new ConnectionClosedException(close.code(), close.reason());
  }

  private static boolean isRefusal(int code) {
    return code != 1000 && code != 1001 && code != NO_STATUS;
  }
}
