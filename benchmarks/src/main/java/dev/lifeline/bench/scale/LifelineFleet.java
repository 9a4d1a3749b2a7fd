package dev.lifeline.bench.scale;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import reactor.util.retry.Retry;

/**
 * Lifeline-supervised connections with the seed's text heartbeat. Round trips are timed with {@code
 * System.nanoTime()} between the {@code HeartbeatSent} and {@code HeartbeatAnswered} events (both
 * emitted synchronously), not from the event's own round trip, which has the scheduler's
 * millisecond resolution.
 */
final class LifelineFleet implements Fleet {
  private final Stats stats;
  private final Heartbeat heartbeat;
  private final Retry retry;

  LifelineFleet(Stats stats, Duration interval, Duration timeout, Retry retry) {
    this.stats = stats;
    this.heartbeat = Heartbeat.text("heart_beat", "ok").interval(interval).timeout(timeout);
    this.retry = retry;
  }

  @Override
  public void open(URI uri, Runnable settled) {
    SupervisedConnection connection =
        Supervisor.create(WebSocketTransport.create(uri))
            .heartbeat(heartbeat)
            .retry(retry)
            .connection();
    State state = new State(settled);
    connection.events().subscribe(state::on);
    connection.inbound().subscribe(frame -> {}, error -> stats.terminated.increment());
  }

  /** One connection's view; events of one connection are emitted serially. */
  private final class State {
    private final Runnable settled;
    private boolean everConnected;
    private boolean settledOnce;
    private volatile long sentAt;

    State(Runnable settled) {
      this.settled = settled;
    }

    void on(ConnectionEvent event) {
      if (event instanceof ConnectionEvent.Connected) {
        if (everConnected) {
          stats.reconnected();
        } else {
          everConnected = true;
          stats.connected.increment();
        }
        settle();
      } else if (event instanceof ConnectionEvent.Connecting) {
        stats.attempt();
      } else if (event instanceof ConnectionEvent.HeartbeatSent) {
        sentAt = System.nanoTime();
      } else if (event instanceof ConnectionEvent.HeartbeatAnswered) {
        stats.recordRtt(System.nanoTime() - sentAt);
      } else if (event instanceof ConnectionEvent.PeerDead) {
        stats.deaths.increment();
      } else if (event instanceof ConnectionEvent.Disconnected) {
        if (everConnected) {
          stats.disconnects.increment();
        }
        stats.failedAttempts.increment();
        settle();
      }
    }

    private void settle() {
      if (!settledOnce) {
        settledOnce = true;
        settled.run();
      }
    }
  }
}
