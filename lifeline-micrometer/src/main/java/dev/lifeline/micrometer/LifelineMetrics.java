package dev.lifeline.micrometer;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.ConnectionEvent;
import dev.lifeline.ConnectionState;
import dev.lifeline.HandshakeException;
import dev.lifeline.HandshakeTimeoutException;
import dev.lifeline.PeerDeadException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * Binds supervised connections and servers to a Micrometer {@link MeterRegistry}, from their
 * events: nothing is measured, and nothing costs, for a connection that is not bound.
 *
 * <p>Client meters, tagged {@code connection} with the connection's {@linkplain
 * SupervisedConnection#name() name} (connections of one name add up):
 *
 * <ul>
 *   <li>{@code lifeline.connections} (gauge), tag {@code state} ({@code connecting}, {@code
 *       connected}, {@code waiting}, {@code closing}, {@code closed}, {@code failed}): how many
 *       bound connections are in that state;
 *   <li>{@code lifeline.connect.attempts} (counter), tag {@code outcome} ({@code success}, {@code
 *       failure}): handshakes that completed, or failed;
 *   <li>{@code lifeline.disconnects} (counter), tag {@code cause}: {@code peer_dead} (no answer to
 *       heartbeats), {@code closed_normal} (the peer closed with 1000 or 1001), {@code
 *       closed_error} (with another RFC status), {@code closed_application} (4000 to 4999), {@code
 *       connection_lost} (no close frame, 1006), {@code handshake} (refused or timed out), {@code
 *       io} (an I/O error such as a refused port), {@code other};
 *   <li>{@code lifeline.reconnects.exhausted} (counter): outages the retry policy gave up on;
 *   <li>{@code lifeline.heartbeat.rtt} (timer, with a percentile histogram): answered heartbeats'
 *       round trips;
 *   <li>{@code lifeline.sessions} (counter), tag {@code outcome} ({@code started}, {@code resumed},
 *       {@code lost}): resume sessions;
 *   <li>{@code lifeline.frames.replayed} (counter): frames the server replayed on resumed sessions;
 *   <li>{@code lifeline.frames} (counter), tag {@code direction} ({@code in}, {@code out}): text
 *       and binary frames received for the application, and handed to a transport ({@link
 *       SupervisedConnection#framesReceived()});
 *   <li>{@code lifeline.bytes} (counter, bytes), tag {@code direction}: their payload bytes on the
 *       wire, as the transport counts them ({@link SupervisedConnection#bytesReceived()}; 0 for a
 *       transport that does not count);
 *   <li>{@code lifeline.outbound.queued} and {@code lifeline.outbound.queued.bytes} (gauges): the
 *       frames waiting in the outbound buffer, and their payload bytes.
 * </ul>
 *
 * <p>Server meters, tagged {@code server} with the name given to {@link #bind(MeterRegistry,
 * String, ServerSupervisor)}: {@code lifeline.server.connections} and {@code
 * lifeline.server.sessions} (gauges), {@code lifeline.server.clients.closed} (counter, tag {@code
 * reason}: {@code dead}, {@code idle}), {@code lifeline.server.heartbeat.rtt} (timer), {@code
 * lifeline.server.sessions.events} (counter, tag {@code outcome}: {@code started}, {@code resumed},
 * {@code expired}) and {@code lifeline.server.frames.replayed} (counter).
 *
 * <p>Tags are low-cardinality only: names and causes, never URLs, addresses or session ids.
 * Thread-safe: meters are Micrometer's; the state gauges count in one shared map per registry.
 *
 * @since 0.2.0
 */
public final class LifelineMetrics {

  /** Per registry: bound connections by (name, state), behind the state gauges. */
  private static final Map<MeterRegistry, Map<Tags, AtomicInteger>> STATES = new WeakHashMap<>();

  private LifelineMetrics() {}

  /**
   * Reports {@code connection}'s meters to {@code registry} until the returned {@link Disposable}
   * is disposed or the connection ends (its state gauge then counts it as closed or failed).
   *
   * @since 0.2.0
   */
  public static Disposable bind(MeterRegistry registry, SupervisedConnection connection) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(connection, "connection");
    Tags tags = Tags.of("connection", connection.name());
    ClientMeters meters = new ClientMeters(registry, tags);
    Disposable events = connection.events().subscribe(meters::record);
    Disposable states = connection.states().subscribe(meters::state);
    List<Meter> traffic =
        List.of(
            FunctionCounter.builder(
                    "lifeline.frames", connection, SupervisedConnection::framesReceived)
                .tags(tags.and("direction", "in"))
                .description("Text and binary frames received for the application")
                .register(registry),
            FunctionCounter.builder("lifeline.frames", connection, SupervisedConnection::framesSent)
                .tags(tags.and("direction", "out"))
                .description("The application's frames handed to a transport")
                .register(registry),
            Gauge.builder(
                    "lifeline.outbound.queued", connection, SupervisedConnection::queuedFrames)
                .tags(tags)
                .description("Frames waiting in the outbound buffer")
                .register(registry),
            Gauge.builder(
                    "lifeline.outbound.queued.bytes", connection, SupervisedConnection::queuedBytes)
                .tags(tags)
                .baseUnit(BaseUnits.BYTES)
                .description("Payload bytes of the frames waiting in the outbound buffer")
                .register(registry),
            FunctionCounter.builder(
                    "lifeline.bytes", connection, c -> Math.max(0, c.bytesReceived()))
                .tags(tags.and("direction", "in"))
                .baseUnit(BaseUnits.BYTES)
                .description("Payload bytes of the text and binary frames read from the peer")
                .register(registry),
            FunctionCounter.builder("lifeline.bytes", connection, c -> Math.max(0, c.bytesSent()))
                .tags(tags.and("direction", "out"))
                .baseUnit(BaseUnits.BYTES)
                .description("Payload bytes of the text and binary frames written to the peer")
                .register(registry));
    Disposable unregister = () -> traffic.forEach(registry::remove);
    return Disposables.composite(events, states, unregister);
  }

  /**
   * Reports {@code server}'s meters to {@code registry}, tagged {@code server=name}, until the
   * returned {@link Disposable} is disposed.
   *
   * @since 0.2.0
   */
  public static Disposable bind(MeterRegistry registry, String name, ServerSupervisor server) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(server, "server");
    Tags tags = Tags.of("server", name);
    Gauge.builder("lifeline.server.connections", server, ServerSupervisor::connections)
        .tags(tags)
        .description("Client connections open now")
        .register(registry);
    Gauge.builder("lifeline.server.sessions", server, ServerSupervisor::sessions)
        .tags(tags)
        .description("Resume sessions now, attached or waiting for their client")
        .register(registry);
    Timer rtt =
        Timer.builder("lifeline.server.heartbeat.rtt")
            .tags(tags)
            .publishPercentileHistogram()
            .description("Round trips of the server's heartbeats to its clients")
            .register(registry);
    Counter replayed =
        Counter.builder("lifeline.server.frames.replayed").tags(tags).register(registry);
    return server
        .events()
        .subscribe(
            event -> {
              if (event instanceof ServerEvent.ClientHeartbeatAnswered answered) {
                rtt.record(answered.roundTrip());
              } else if (event instanceof ServerEvent.ClientDead) {
                count(registry, "lifeline.server.clients.closed", tags.and("reason", "dead"));
              } else if (event instanceof ServerEvent.ClientIdleClosed) {
                count(registry, "lifeline.server.clients.closed", tags.and("reason", "idle"));
              } else if (event instanceof ServerEvent.SessionStarted) {
                count(registry, "lifeline.server.sessions.events", tags.and("outcome", "started"));
              } else if (event instanceof ServerEvent.SessionResumed resumed) {
                count(registry, "lifeline.server.sessions.events", tags.and("outcome", "resumed"));
                replayed.increment(resumed.replayedFrames());
              } else if (event instanceof ServerEvent.SessionExpired) {
                count(registry, "lifeline.server.sessions.events", tags.and("outcome", "expired"));
              }
            });
  }

  private static void count(MeterRegistry registry, String name, Tags tags) {
    registry.counter(name, tags).increment();
  }

  /** The disconnect cause tag of {@code cause}. */
  static String cause(Throwable cause) {
    if (cause instanceof PeerDeadException) {
      return "peer_dead";
    }
    if (cause instanceof ConnectionClosedException closed) {
      int code = closed.code();
      if (code == 1000 || code == 1001) {
        return "closed_normal";
      }
      if (code == ConnectionClosedException.ABNORMAL_CLOSURE) {
        return "connection_lost";
      }
      return code >= 4000 ? "closed_application" : "closed_error";
    }
    if (cause instanceof HandshakeException || cause instanceof HandshakeTimeoutException) {
      return "handshake";
    }
    if (cause instanceof IOException || cause.getCause() instanceof IOException) {
      return "io";
    }
    return "other";
  }

  /** One bound connection's meters; its events arrive one at a time. */
  private static final class ClientMeters {
    private final MeterRegistry registry;
    private final Tags tags;
    private final Map<Tags, AtomicInteger> states;
    private final Timer rtt;
    private final Counter replayed;
    private ConnectionState current;
    private boolean connected;

    ClientMeters(MeterRegistry registry, Tags tags) {
      this.registry = registry;
      this.tags = tags;
      synchronized (STATES) {
        this.states = STATES.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
      }
      this.rtt =
          Timer.builder("lifeline.heartbeat.rtt")
              .tags(tags)
              .publishPercentileHistogram()
              .description("Round trips of answered heartbeats")
              .register(registry);
      this.replayed = Counter.builder("lifeline.frames.replayed").tags(tags).register(registry);
    }

    void state(ConnectionState next) {
      if (current == next) {
        return;
      }
      if (current != null) {
        gauge(current).decrementAndGet();
      }
      current = next;
      if (next != ConnectionState.NEW) {
        gauge(next).incrementAndGet();
      } else {
        current = null;
      }
    }

    private AtomicInteger gauge(ConnectionState state) {
      Tags stateTags = tags.and("state", state.name().toLowerCase(java.util.Locale.ROOT));
      return states.computeIfAbsent(
          stateTags,
          t -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("lifeline.connections", count, AtomicInteger::get)
                .tags(t)
                .description("Bound connections in this state")
                .strongReference(true)
                .register(registry);
            return count;
          });
    }

    void record(ConnectionEvent event) {
      if (event instanceof ConnectionEvent.Connecting) {
        connected = false;
      } else if (event instanceof ConnectionEvent.Connected) {
        connected = true;
        count(registry, "lifeline.connect.attempts", tags.and("outcome", "success"));
      } else if (event instanceof ConnectionEvent.Disconnected disconnected) {
        if (!connected) {
          count(registry, "lifeline.connect.attempts", tags.and("outcome", "failure"));
        }
        connected = false;
        count(registry, "lifeline.disconnects", tags.and("cause", cause(disconnected.cause())));
      } else if (event instanceof ConnectionEvent.Exhausted) {
        count(registry, "lifeline.reconnects.exhausted", tags);
      } else if (event instanceof ConnectionEvent.HeartbeatAnswered answered) {
        rtt.record(answered.roundTrip());
      } else if (event instanceof ConnectionEvent.SessionStarted) {
        count(registry, "lifeline.sessions", tags.and("outcome", "started"));
      } else if (event instanceof ConnectionEvent.SessionResumed resumed) {
        count(registry, "lifeline.sessions", tags.and("outcome", "resumed"));
        replayed.increment(resumed.replayedFrames());
      } else if (event instanceof ConnectionEvent.SessionLost) {
        count(registry, "lifeline.sessions", tags.and("outcome", "lost"));
      }
    }
  }
}
