package dev.lifeline.bench.scale;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;
import reactor.util.retry.Retry;

/**
 * Lifeline-supervised connections with the seed's text heartbeat. Round trips are timed with {@code
 * System.nanoTime()} between the {@code HeartbeatSent} and {@code HeartbeatAnswered} events (both
 * emitted synchronously), not from the event's own round trip, which has the scheduler's
 * millisecond resolution.
 *
 * <p>As an application with many connections to one server would write it: one {@code Supervisor}
 * (and one {@code WebSocketTransport}) per URI, {@code connection()} once per connection. Per
 * connection the fleet keeps one {@link State} (its measurement), the same as {@link RawFleet}'s.
 */
final class LifelineFleet implements Fleet {
  private final Stats stats;
  private final Heartbeat heartbeat;
  private final Retry retry;
  private final Scheduler scheduler; // null: the Supervisor's default, Schedulers.parallel()
  private final Map<URI, Supervisor> supervisors = new ConcurrentHashMap<>();

  LifelineFleet(
      Stats stats, Duration interval, Duration timeout, Retry retry, Scheduler scheduler) {
    this.stats = stats;
    this.heartbeat = Heartbeat.text("heart_beat", "ok").interval(interval).timeout(timeout);
    this.retry = retry;
    this.scheduler = scheduler;
  }

  /**
   * The fleet's scheduler by name, for the RTT experiment: {@code default} (the Supervisor's
   * default), {@code hb2} ({@code Schedulers.newParallel("hb", 2)}), or {@code eventloop} (Reactor
   * Netty's client event loops, which {@code WebSocketTransport} uses, as a Reactor scheduler: the
   * timers then run on an event loop, though not necessarily the connection's own).
   */
  static Scheduler scheduler(String name) {
    return switch (name) {
      case "default" -> null;
      case "hb2" -> Schedulers.newParallel("hb", 2);
      case "eventloop" ->
          Schedulers.fromExecutorService(HttpResources.get().onClient(true), "client-loops");
      default ->
          throw new IllegalArgumentException(
              "unknown scheduler " + name + "; use default, hb2 or eventloop");
    };
  }

  @Override
  public void open(URI uri, Runnable settled) {
    SupervisedConnection connection =
        supervisors.computeIfAbsent(uri, this::supervisor).connection();
    State state = new State(settled);
    connection.events().subscribe(state::on);
    connection.inbound().subscribe(frame -> {}, state::terminated);
  }

  private Supervisor supervisor(URI uri) {
    Supervisor supervisor =
        Supervisor.create(WebSocketTransport.create(uri)).heartbeat(heartbeat).retry(retry);
    return scheduler == null ? supervisor : supervisor.scheduler(scheduler);
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
        stats.sent();
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

    void terminated(Throwable error) {
      stats.terminated.increment();
    }

    private void settle() {
      if (!settledOnce) {
        settledOnce = true;
        settled.run();
      }
    }
  }
}
