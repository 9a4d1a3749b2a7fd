package dev.lifeline.netty;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * What happened to a {@link ServerSupervisor}'s clients, stamped with its scheduler's time. Every
 * client has one {@link ClientConnected} and, once its connection is gone, one {@link
 * ClientClosed}; a client closed for silence has {@link ClientIdleClosed} between the two.
 *
 * @since 0.1.0
 */
public sealed interface ServerEvent
    permits ServerEvent.ClientConnected, ServerEvent.ClientIdleClosed, ServerEvent.ClientClosed {

  /** When the event happened, by the supervisor's scheduler. */
  Instant time();

  /** The {@linkplain ServerConnection#id() connection's id}. */
  String id();

  /** The client's address. */
  SocketAddress remoteAddress();

  /**
   * A client completed the WebSocket handshake.
   *
   * @since 0.1.0
   */
  record ClientConnected(Instant time, String id, SocketAddress remoteAddress)
      implements ServerEvent {}

  /**
   * A client sent nothing for longer than the idle limit; the supervisor closes its connection with
   * status 1001 (going away). The server stops writing into a connection that is most likely dead.
   *
   * @param silence how long the client had been silent
   * @since 0.1.0
   */
  record ClientIdleClosed(Instant time, String id, SocketAddress remoteAddress, Duration silence)
      implements ServerEvent {}

  /**
   * A client's connection is gone.
   *
   * @param code the close status: the first close frame either side sent, or 1006 when the
   *     connection ended without one
   * @param reason that close frame's reason, {@code ""} for none
   * @since 0.1.0
   */
  record ClientClosed(Instant time, String id, SocketAddress remoteAddress, int code, String reason)
      implements ServerEvent {}
}
