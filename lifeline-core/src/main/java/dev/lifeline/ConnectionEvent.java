package dev.lifeline;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What happened to a supervised connection, stamped with the supervisor's scheduler time (so on
 * virtual time the stamps are virtual too).
 *
 * <p>An outage reads: {@link PeerDead} (if the watchdog found it), {@link Disconnected}, {@link
 * ReconnectScheduled}, {@link Connecting}, then either {@link Connected} or another {@link
 * Disconnected}; after too many failures {@link Exhausted}; and, once supervision ends for any
 * reason, {@link Closed} last.
 *
 * <p>{@code attempt} numbers count within one outage: 0 is a session's first connection, 1 to N are
 * the reconnect attempts of the current outage (C5, C6).
 *
 * @since 0.1.0
 */
public sealed interface ConnectionEvent
    permits ConnectionEvent.Connecting,
        ConnectionEvent.Connected,
        ConnectionEvent.HeartbeatSent,
        ConnectionEvent.HeartbeatAnswered,
        ConnectionEvent.PeerDead,
        ConnectionEvent.Disconnected,
        ConnectionEvent.ReconnectScheduled,
        ConnectionEvent.Exhausted,
        ConnectionEvent.Closed,
        ConnectionEvent.SessionStarted,
        ConnectionEvent.SessionResumed,
        ConnectionEvent.SessionLost {

  /**
   * When the event happened, by the supervisor's scheduler.
   *
   * @since 0.1.0
   */
  Instant time();

  /**
   * The connection's {@linkplain Supervisor#name(String) name}.
   *
   * @since 0.2.0
   */
  String name();

  /**
   * A connection attempt starts.
   *
   * @since 0.1.0
   */
  record Connecting(Instant time, String name, int attempt) implements ConnectionEvent {}

  /**
   * The transport established the connection (the handshake completed); buffered frames start to
   * flow.
   *
   * @since 0.1.0
   */
  record Connected(Instant time, String name, int attempt) implements ConnectionEvent {}

  /**
   * A heartbeat was handed to the connection after a quiet interval (C2).
   *
   * @param sequence the heartbeat's number on this connection, from 1
   * @since 0.1.0
   */
  record HeartbeatSent(Instant time, String name, long sequence) implements ConnectionEvent {}

  /**
   * The dialect's answer to a heartbeat arrived (C8).
   *
   * @param sequence the answered heartbeat's number on this connection
   * @param roundTrip from sending the heartbeat to receiving the answer
   * @since 0.1.0
   */
  record HeartbeatAnswered(Instant time, String name, long sequence, Duration roundTrip)
      implements ConnectionEvent {}

  /**
   * Nothing arrived within the heartbeat timeout after the last of {@code unanswered} heartbeats in
   * a row ({@link Heartbeat#unansweredLimit()}): the connection is closed and a reconnect follows
   * (C3, C10).
   *
   * @param sequence the last unanswered heartbeat's number
   * @param silence how long the peer has been silent, from its last frame (or from the connection's
   *     start) to now
   * @param unanswered how many heartbeats in a row went unanswered: the heartbeat's {@link
   *     Heartbeat#unansweredLimit()}
   * @since 0.1.0
   */
  record PeerDead(Instant time, String name, long sequence, Duration silence, int unanswered)
      implements ConnectionEvent {

    /**
     * A death after one unanswered heartbeat, the default limit.
     *
     * @since 0.1.0
     */
    public PeerDead(Instant time, String name, long sequence, Duration silence) {
      this(time, name, sequence, silence, 1);
    }
  }

  /**
   * A connection attempt or an established connection ended.
   *
   * @param attempt the attempt that ended
   * @param cause why; a {@link ConnectionClosedException} when the peer closed it
   * @param unconfirmedFrames application frames written to this connection and not confirmed by an
   *     answered heartbeat sent after them: these may have been lost with the connection; every
   *     other frame written to it reached the peer, since the answer to a later heartbeat came back
   *     behind it (C9); always 0 on a resume connection, whose frames are replayed after the
   *     reconnect ({@link SessionResumed}) or counted by {@link SessionLost}
   * @since 0.1.0
   */
  record Disconnected(
      Instant time, String name, int attempt, Throwable cause, long unconfirmedFrames)
      implements ConnectionEvent {

    /**
     * The close status when the peer closed the connection, or empty.
     *
     * @since 0.1.0
     */
    public OptionalInt closeCode() {
      return cause instanceof ConnectionClosedException closed
          ? OptionalInt.of(closed.code())
          : OptionalInt.empty();
    }
  }

  /**
   * A reconnect attempt will start after {@code delay} (C4).
   *
   * @param attempt the coming attempt's number in this outage, from 1
   * @param delay how long until it starts
   * @since 0.1.0
   */
  record ReconnectScheduled(Instant time, String name, int attempt, Duration delay)
      implements ConnectionEvent {}

  /**
   * The retry policy gave up: the inbound stream ends with a {@link ReconnectsExhaustedException}
   * right after this event (C6).
   *
   * @param attempts the reconnect attempts made in this outage
   * @param cause the last attempt's failure
   * @since 0.1.0
   */
  record Exhausted(Instant time, String name, int attempts, Throwable cause)
      implements ConnectionEvent {}

  /**
   * Supervision ended; no event follows.
   *
   * @param cause the error the inbound stream ended with, or {@code null} when it completed or was
   *     cancelled
   * @since 0.1.0
   */
  record Closed(Instant time, String name, @Nullable Throwable cause) implements ConnectionEvent {}

  /**
   * Resume: the server started a new session on connection {@code attempt} (the first, or the one
   * after a {@link SessionLost}). Frames are counted from 1 again in both directions.
   *
   * @since 0.2.0
   */
  record SessionStarted(Instant time, String name, int attempt) implements ConnectionEvent {}

  /**
   * Resume: connection {@code attempt} continues the session; the {@code replayedFrames} frames
   * written before the outage that the server had not received are written again first, in order,
   * and the server replays what this side had not received. {@code downtime} is how long the
   * session had no connection.
   *
   * @since 0.2.0
   */
  record SessionResumed(
      Instant time, String name, int attempt, long replayedFrames, Duration downtime)
      implements ConnectionEvent {}

  /**
   * Resume: the server no longer knows the session (it expired, was evicted or the server
   * restarted) or no longer offers resume. The {@code unconfirmedFrames} frames written and never
   * acknowledged may not have arrived; frames the server wrote into the old session and this side
   * did not receive are lost too. A {@link SessionStarted} follows when the server starts a new
   * one.
   *
   * @since 0.2.0
   */
  record SessionLost(Instant time, String name, int attempt, long unconfirmedFrames)
      implements ConnectionEvent {}
}
