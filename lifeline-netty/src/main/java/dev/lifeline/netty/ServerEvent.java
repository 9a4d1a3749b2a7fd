package dev.lifeline.netty;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * What happened to a {@link ServerSupervisor}'s clients, stamped with its scheduler's time. Every
 * client has one {@link ClientConnected} and, once its connection is gone, one {@link
 * ClientClosed}; a client closed for silence has {@link ClientDead} (no answer to the server's
 * heartbeats) or {@link ClientIdleClosed} (the idle limit, without heartbeats) between the two.
 *
 * @since 0.1.0
 */
public sealed interface ServerEvent
    permits ServerEvent.ClientConnected,
        ServerEvent.ClientHeartbeatAnswered,
        ServerEvent.ClientDead,
        ServerEvent.ClientIdleClosed,
        ServerEvent.ClientClosed,
        ServerEvent.SessionStarted,
        ServerEvent.SessionResumed,
        ServerEvent.SessionExpired {

  /**
   * When the event happened, by the supervisor's scheduler.
   *
   * @since 0.1.0
   */
  Instant time();

  /**
   * The {@linkplain ServerConnection#id() connection's id}.
   *
   * @since 0.1.0
   */
  String id();

  /**
   * The client's address.
   *
   * @since 0.1.0
   */
  SocketAddress remoteAddress();

  /**
   * A client completed the WebSocket handshake.
   *
   * @since 0.1.0
   */
  record ClientConnected(Instant time, String id, SocketAddress remoteAddress)
      implements ServerEvent {}

  /**
   * A client answered the server's heartbeat ({@link ServerSupervisor.Builder#pingClients}).
   *
   * @param sequence the heartbeat's number on this connection, from 1
   * @param roundTrip from the heartbeat's write to the answer's read (from the latest heartbeat,
   *     when earlier ones went unanswered)
   * @since 0.2.0
   */
  record ClientHeartbeatAnswered(
      Instant time, String id, SocketAddress remoteAddress, long sequence, Duration roundTrip)
      implements ServerEvent {}

  /**
   * A client sent nothing at all within the heartbeat timeout after each of {@code unanswered}
   * heartbeats of the server in a row ({@link ServerSupervisor.Builder#pingClients}); the
   * supervisor closes its connection with status 1001 (going away).
   *
   * @param sequence the last unanswered heartbeat's number
   * @param unanswered how many went unanswered in a row: the heartbeat's {@link
   *     dev.lifeline.Heartbeat#unansweredLimit()}
   * @param silence how long the client had been silent
   * @since 0.2.0
   */
  record ClientDead(
      Instant time,
      String id,
      SocketAddress remoteAddress,
      long sequence,
      int unanswered,
      Duration silence)
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

  /**
   * Resume: a client started a new session, {@code id}; the application's handler runs for it.
   *
   * @since 0.2.0
   */
  record SessionStarted(Instant time, String id, SocketAddress remoteAddress)
      implements ServerEvent {}

  /**
   * Resume: a client came back to session {@code id} on a new connection after {@code downtime};
   * the {@code replayedFrames} frames it had not received are written again first, and it replays
   * what this side had not received (this side had received {@code receivedFrames} in all).
   *
   * @since 0.2.0
   */
  record SessionResumed(
      Instant time,
      String id,
      SocketAddress remoteAddress,
      long replayedFrames,
      long receivedFrames,
      Duration downtime)
      implements ServerEvent {}

  /**
   * Resume: session {@code id} ended without its client ({@code reason}: timed out, evicted, or the
   * client broke the protocol); {@code unconfirmedFrames} frames written to it were never
   * acknowledged. Its {@code inbound()} ends with {@link ResumeSessionExpiredException}.
   *
   * @since 0.2.0
   */
  record SessionExpired(
      Instant time, String id, SocketAddress remoteAddress, long unconfirmedFrames, String reason)
      implements ServerEvent {}
}
