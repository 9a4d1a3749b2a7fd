package dev.lifeline.cli;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.netty.ServerEvent;
import java.time.Duration;
import java.util.Locale;

/**
 * The demo's story on stdout: one line per happening, {@code +1.502s client connected}, times
 * relative to the demo's start.
 */
final class Timeline {

  private final Console console;
  private final long start = System.nanoTime();

  Timeline(Console console) {
    this.console = console;
  }

  /** Prints {@code what} happened to {@code who} (client, server, network, app), now. */
  void say(String who, String what) {
    double seconds = (System.nanoTime() - start) / 1e9;
    console.out(String.format(Locale.ROOT, "+%7.3fs  %-8s %s", seconds, who, what));
  }

  /** A blank line or a heading, without a time. */
  void plain(String text) {
    console.out(text);
  }

  /** A client event in words. */
  static String describe(ConnectionEvent event) {
    if (event instanceof ConnectionEvent.Connecting e) {
      return e.attempt() == 0 ? "connecting" : "reconnect attempt " + e.attempt();
    } else if (event instanceof ConnectionEvent.Connected e) {
      return "connected" + (e.attempt() == 0 ? "" : " (attempt " + e.attempt() + ")");
    } else if (event instanceof ConnectionEvent.HeartbeatSent e) {
      return "heartbeat #" + e.sequence() + " sent (no traffic for a heartbeat interval)";
    } else if (event instanceof ConnectionEvent.HeartbeatAnswered e) {
      return "heartbeat #" + e.sequence() + " answered, RTT " + millis(e.roundTrip());
    } else if (event instanceof ConnectionEvent.PeerDead e) {
      return "PEER DEAD: heartbeat #"
          + e.sequence()
          + " unanswered, peer silent for "
          + millis(e.silence());
    } else if (event instanceof ConnectionEvent.Disconnected e) {
      return "disconnected: "
          + EventFormat.describe(e.cause())
          + (e.unconfirmedFrames() == 0
              ? ""
              : " (" + e.unconfirmedFrames() + " frame(s) written since the last proof of life)");
    } else if (event instanceof ConnectionEvent.ReconnectScheduled e) {
      return "reconnect attempt " + e.attempt() + " in " + Durations.format(e.delay());
    } else if (event instanceof ConnectionEvent.Exhausted e) {
      return "gave up after " + e.attempts() + " attempts: " + EventFormat.describe(e.cause());
    } else if (event instanceof ConnectionEvent.Closed e) {
      return e.cause() == null ? "closed" : "closed: " + EventFormat.describe(e.cause());
    } else if (event instanceof ConnectionEvent.SessionStarted) {
      return "resume session started";
    } else if (event instanceof ConnectionEvent.SessionResumed e) {
      return "SESSION RESUMED after "
          + seconds(e.downtime())
          + ": replaying "
          + e.replayedFrames()
          + " frame(s) the server never received";
    } else if (event instanceof ConnectionEvent.SessionLost e) {
      return "resume session lost: " + e.unconfirmedFrames() + " frame(s) may not have arrived";
    }
    return event.toString();
  }

  /** A server event in words. */
  static String describe(ServerEvent event) {
    if (event instanceof ServerEvent.ClientConnected e) {
      return "client " + e.remoteAddress() + " connected";
    } else if (event instanceof ServerEvent.ClientIdleClosed e) {
      return "client "
          + e.remoteAddress()
          + " silent for "
          + seconds(e.silence())
          + ": closing it (1001) instead of writing into a dead connection";
    } else if (event instanceof ServerEvent.ClientHeartbeatAnswered e) {
      return "client "
          + e.remoteAddress()
          + " answered ping #"
          + e.sequence()
          + " in "
          + millis(e.roundTrip());
    } else if (event instanceof ServerEvent.ClientDead e) {
      return "client "
          + e.remoteAddress()
          + " did not answer "
          + e.unanswered()
          + " ping(s), silent for "
          + seconds(e.silence())
          + ": closing it (1001) instead of writing into a dead connection";
    } else if (event instanceof ServerEvent.ClientClosed e) {
      return "client "
          + e.remoteAddress()
          + " gone (close "
          + e.code()
          + (e.reason().isEmpty() ? "" : " \"" + e.reason() + "\"")
          + ")";
    } else if (event instanceof ServerEvent.SessionStarted e) {
      return "resume session " + e.id() + " started";
    } else if (event instanceof ServerEvent.SessionResumed e) {
      return "resume session "
          + e.id()
          + " continues on a new connection, replaying "
          + e.replayedFrames()
          + " frame(s)";
    } else if (event instanceof ServerEvent.SessionExpired e) {
      return "resume session " + e.id() + " expired: " + e.reason();
    }
    return event.toString();
  }

  static String millis(Duration duration) {
    return String.format(Locale.ROOT, "%.1fms", duration.toNanos() / 1e6);
  }

  static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.3fs", duration.toNanos() / 1e9);
  }
}
