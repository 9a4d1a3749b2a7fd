package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.internal.ReconnectHint;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The server half of Lifeline, for Reactor Netty {@code HttpServer} routes: it answers the clients'
 * heartbeats and closes clients that went silent, so a server stops writing into connections whose
 * peer is gone (the seed's motivating problem).
 *
 * <pre>{@code
 * ServerSupervisor supervisor = ServerSupervisor.builder()
 *     .pingClients(Heartbeat.ping().interval(Duration.ofSeconds(30)))
 *     .build();
 * supervisor.events().subscribe(event -> log.info("{}", event));
 * HttpServer.create()
 *     .route(routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))))
 *     .bindNow();
 * }</pre>
 *
 * <p>For every connection it:
 *
 * <ul>
 *   <li>answers the {@linkplain Builder#heartbeat(Heartbeat) heartbeat dialect} as the frame is
 *       read, and keeps heartbeats away from the application; RFC 6455 pings are answered by Netty
 *       (the route's {@code WebsocketServerSpec.handlePing} must stay {@code false}, its default).
 *       It reads the socket whether or not the application reads, holding up to 256 of the
 *       application's frames for it; only while 256 frames wait for a slow application does it stop
 *       reading (TCP backpressure to the client), and heartbeats wait with the rest until the
 *       application has taken them down to 128;
 *   <li>notes the time of every frame from the client — data, ping, pong, close — in one field;
 *       after the {@linkplain Builder#pingClients(Heartbeat) heartbeat interval} of silence pings
 *       the client, and closes the connection with status 1001 and a reason when nothing answers
 *       within the timeout (or, with an {@linkplain Builder#idleTimeout(Duration) idle limit}
 *       instead, when the client stayed silent for longer than the limit). One timer per connection
 *       at a time: when it fires it pings, closes the connection, or sleeps until the last frame's
 *       time plus the interval; no work per frame but the time stamp, no thread per connection. A
 *       connection is not judged while it is not read (see above): its silence is counted from when
 *       reading resumes;
 *   <li>reports {@link ServerEvent}s.
 * </ul>
 *
 * <p>Immutable and thread-safe; one instance serves any number of routes and connections. Its only
 * mutable state is shared by all connections' event loops: the connection count (an atomic, read
 * for monitoring), the set of open connections (a concurrent set, read by {@link #drain}) and the
 * event queue, drained by whichever thread moves its work-in-progress count from 0 (reactor-core's
 * way), so that events from many loops reach the sink one at a time.
 *
 * @since 0.1.0
 */
public final class ServerSupervisor {

  /** The default idle limit: 65 s, a client's default heartbeat interval plus its timeout. */
  public static final Duration DEFAULT_IDLE_TIMEOUT =
      Heartbeat.DEFAULT_INTERVAL.plus(Heartbeat.DEFAULT_TIMEOUT);

  /**
   * The default close timeout: 5 s, how long a close this server starts waits for the client's
   * answering close frame before it closes the connection anyway.
   *
   * @since 0.1.0
   */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The default time a resume session waits for its client after losing its connection: 3 min,
   * longer than a client with Lifeline's defaults keeps trying (5 attempts 5 s apart, each allowed
   * 10 s to connect and 10 s for the upgrade: at most 125 s), so such a client always resumes.
   *
   * @since 0.2.0
   */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(3);

  /** The default bound of resume sessions waiting for their client at once: {@value}. */
  public static final int DEFAULT_MAX_DETACHED_SESSIONS = 10_000;

  /** The default largest message joined from fragments: 65536 bytes. */
  public static final int DEFAULT_MAX_MESSAGE_LENGTH = 65536;

  private static final Logger log = LoggerFactory.getLogger("dev.lifeline.server");
  private static final int EVENT_BUFFER = 256;
  private static final int SERVICE_RESTART = 1012;

  private final Heartbeat heartbeat;
  private final Heartbeat pings;
  private final Duration idleTimeout;
  private final Duration closeTimeout;
  private final int maxMessageLength;
  private final Scheduler scheduler;
  private final Resume resume;
  private final ResumeSessions sessions;
  private final AtomicInteger connections = new AtomicInteger();

  /** The physical connections open now, for {@link #drain}: a concurrent set, its own guard. */
  private final Set<ServerSession> open = ConcurrentHashMap.newKeySet();

  private final ServerEvents events = new ServerEvents(EVENT_BUFFER);

  private ServerSupervisor(Builder builder) {
    this.heartbeat = builder.heartbeat;
    this.pings = builder.pings;
    this.idleTimeout = builder.idleTimeout;
    this.closeTimeout = builder.closeTimeout;
    this.maxMessageLength = builder.maxMessageLength;
    this.scheduler = builder.scheduler;
    this.resume = builder.resume;
    this.sessions =
        resume == null
            ? null
            : new ResumeSessions(this, resume, builder.sessionTimeout, builder.maxDetachedSessions);
  }

  /**
   * A builder with the defaults: the seed's text heartbeat answered ({@code heart_beat} answered by
   * {@code ok}), clients pinged after 60 s of silence and closed 5 s later without an answer,
   * messages of up to 65536 bytes, timers on {@link Schedulers#parallel()}.
   *
   * @since 0.1.0
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A WebSocket handler for {@code HttpServerRoutes.ws(path, handler)} that supervises each
   * connection and hands it to {@code application}. The connection closes when the publisher that
   * {@code application} returns terminates, as with any Reactor Netty handler; an echo is {@code c
   * -> c.send(c.inbound())}.
   *
   * @since 0.1.0
   */
  public BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<Void>> handler(
      Function<ServerConnection, Publisher<Void>> application) {
    Objects.requireNonNull(application, "application");
    return (in, out) ->
        serve(
            in, out, application, sessions != null && Resume.isSelected(in.selectedSubprotocol()));
  }

  private Publisher<Void> serve(
      WebsocketInbound in,
      WebsocketOutbound out,
      Function<ServerConnection, Publisher<Void>> application,
      boolean resume) {
    {
      if (resume) {
        // resume: the application runs once per session, which outlives this connection
        return new ServerSession(this, in, out, sessions, application).onClose();
      }
      ServerSession session = new ServerSession(this, in, out, null, null);
      Publisher<Void> running;
      try {
        running = Objects.requireNonNull(application.apply(session), "application's publisher");
      } catch (RuntimeException e) {
        running = Mono.error(e);
      }
      return running;
    }
  }

  /**
   * What happens to the clients, as it happens; see {@link ServerEvent}. Hot: any number of
   * subscribers, each sees events from its subscription on; up to 256 events wait for the first
   * subscriber, and a subscriber that falls 256 events behind misses events rather than slowing the
   * server. Events are delivered in order, one at a time, on the event loop of a connection that
   * reported one; no lock is held meanwhile, so a slow subscriber holds up that one thread and the
   * delivery of events (up to 256 wait, later ones are missed), not the other connections. Move
   * slow work off with {@code publishOn}.
   *
   * @since 0.1.0
   */
  public Flux<ServerEvent> events() {
    return events.asFlux();
  }

  /**
   * An HTTP route that upgrades to WebSocket under this supervisor, for {@code
   * HttpServerRoutes.get(path, ..)}; with {@linkplain Builder#resume resume} on, it is the way to
   * serve resuming clients:
   *
   * <pre>{@code
   * HttpServer.create().route(routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))))
   * }</pre>
   *
   * <p>A client that offers {@value Resume#PROTOCOL} gets it selected and a session ({@link
   * #handler} then runs the application once per session); with {@code subprotocols} of the
   * application's own, it must offer one of them joined to it, {@code lifeline.resume.v1+chat.v2}
   * (a Lifeline client with {@code WebSocketTransport.subprotocols("chat.v2")} does), and that
   * joined form is selected. Any other client is served as {@link #handler} serves it, selecting
   * the first of {@code subprotocols} it offers. (Reactor Netty's {@code routes.ws(path, handler,
   * spec)} cannot do both: with subprotocols in its spec it never runs the handler for a client
   * that offers none.) A request that is not a WebSocket upgrade gets 404, as with {@code
   * routes.ws}.
   *
   * @param subprotocols the application's own subprotocols, if any
   * @since 0.2.0
   */
  public BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> upgrade(
      Function<ServerConnection, Publisher<Void>> application, String... subprotocols) {
    BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<Void>> handler = handler(application);
    List<String> own = List.of(subprotocols);
    WebsocketServerSpec plain = spec(own);
    WebsocketServerSpec resuming = spec(List.of());
    return (request, response) -> {
      if (!request.requestHeaders().containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)) {
        return response.sendNotFound();
      }
      String selected =
          sessions == null
              ? null
              : ResumeOffer.select(
                  request.requestHeaders().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL), own);
      if (selected != null) {
        // selected here: the handshaker knows no subprotocol, keeps this header and runs the
        // handler, which tells a resume connection by the same header
        response.header(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, selected);
        return response.sendWebsocket((in, out) -> serve(in, out, application, true), resuming);
      }
      return response.sendWebsocket(handler, plain);
    };
  }

  private WebsocketServerSpec spec(List<String> subprotocols) {
    WebsocketServerSpec.Builder spec =
        WebsocketServerSpec.builder().maxFramePayloadLength(maxMessageLength).handlePing(false);
    if (!subprotocols.isEmpty()) {
      spec = spec.protocols(String.join(",", subprotocols));
    }
    return spec.build();
  }

  /**
   * Resume sessions now, attached to a connection or waiting for their client; 0 without resume.
   *
   * @since 0.2.0
   */
  public int sessions() {
    return sessions == null ? 0 : sessions.size();
  }

  /**
   * The connections open now.
   *
   * @since 0.1.0
   */
  public int connections() {
    return connections.get();
  }

  /**
   * Closes every client connection open now with status 1012 (service restart), each at a random
   * instant within {@code window}, through the full closing handshake: clients that reconnect on a
   * close (Lifeline's do, after their retry delay) come back spread over the window instead of all
   * at once. For a restart or a deploy: stop routing new clients here first (connections opened
   * after the call are not drained). A resumed session's client resumes it on its next connection,
   * to this server while it still runs. Completes when every connection drained is closed.
   *
   * <p>The close reason is {@code "service restart"}; {@link #drain(Duration, Duration)} adds a
   * hint of when to come back.
   *
   * @throws IllegalArgumentException if {@code window} is negative
   * @since 0.2.0
   */
  public Mono<Void> drain(Duration window) {
    return drain(window, "service restart");
  }

  /**
   * {@link #drain(Duration)} with a hint of when to come back: each close reason reads {@code
   * "service restart; reconnect within <N> ms"}, {@code N} being {@code reconnectWithin} in whole
   * milliseconds. A Lifeline client that gets it waits a uniformly random point within {@code
   * reconnectWithin} (at most 5 min) on top of its retry policy's own delay (rule C12), so even
   * clients closed at the same instant come back spread; other clients see the reason text only.
   * With resume, keep the hint plus the clients' retry delay well below the {@linkplain
   * Builder#sessionTimeout session timeout}, or sessions expire before their clients return.
   *
   * @throws IllegalArgumentException if {@code window} is negative, or {@code reconnectWithin} is
   *     not between 1 ms and 999 999 999 ms
   * @since 0.2.0
   */
  public Mono<Void> drain(Duration window, Duration reconnectWithin) {
    Objects.requireNonNull(reconnectWithin, "reconnectWithin");
    return drain(window, ReconnectHint.reason("service restart", reconnectWithin));
  }

  private Mono<Void> drain(Duration window, String reason) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative()) {
      throw new IllegalArgumentException("drain window must not be negative, was " + window);
    }
    return Mono.defer(
        () -> {
          List<Mono<Void>> closes = new ArrayList<>();
          long windowNanos = window.toNanos();
          for (ServerSession session : open) {
            long at = windowNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(windowNanos);
            closes.add(
                Mono.delay(Duration.ofNanos(at), scheduler)
                    .then(session.close(SERVICE_RESTART, reason)));
          }
          return Mono.when(closes);
        });
  }

  @Override
  public String toString() {
    return "ServerSupervisor["
        + heartbeat
        + ", idleTimeout="
        + idleTimeout
        + ", "
        + connections()
        + " connections]";
  }

  Heartbeat heartbeat() {
    return heartbeat;
  }

  Duration idleTimeout() {
    return idleTimeout;
  }

  /** The heartbeat the server sends its clients, or null: the idle limit applies instead. */
  Heartbeat pings() {
    return pings;
  }

  Duration closeTimeout() {
    return closeTimeout;
  }

  int maxMessageLength() {
    return maxMessageLength;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  /** Wall-clock time, by the scheduler, for the events' time stamps. */
  Instant now() {
    return Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS));
  }

  void opened(ServerSession session, ServerEvent.ClientConnected event) {
    connections.incrementAndGet();
    open.add(session);
    emit(event);
  }

  void closed(ServerSession session, ServerEvent.ClientClosed event) {
    connections.decrementAndGet();
    open.remove(session);
    emit(event);
  }

  /** Called from any event loop; see {@link ServerEvents}. */
  void emit(ServerEvent event) {
    events.emit(event);
  }

  /**
   * Configures a {@link ServerSupervisor}. Not thread-safe; {@link #build()} copies the settings,
   * so one builder can make several supervisors.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private Heartbeat heartbeat = Heartbeat.text("heart_beat", "ok");
    private Heartbeat pings = Heartbeat.ping();
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int maxMessageLength = DEFAULT_MAX_MESSAGE_LENGTH;
    private Scheduler scheduler = Schedulers.parallel();
    private Resume resume;
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private int maxDetachedSessions = DEFAULT_MAX_DETACHED_SESSIONS;

    private Builder() {}

    private static void positive(Duration timeout, String what) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + timeout);
      }
    }

    /**
     * Resume sessions with {@code resume} (null, the default: off): a client that offers {@value
     * Resume#PROTOCOL} on a route made with {@link ServerSupervisor#upgrade} gets a session that
     * outlives its connections, and the application's handler runs once per session, so {@code c ->
     * c.send(c.inbound())} is an exactly-once echo across outages. With subprotocols of the
     * application's own on that route, a client that offers one of them must offer it joined,
     * {@code lifeline.resume.v1+chat.v2}, to resume (see {@link ServerSupervisor#upgrade}). Clients
     * that do not offer it are served as before. On resume connections every text and binary frame
     * is data: no text heartbeat is answered (Lifeline clients heartbeat with RFC pings when
     * resuming).
     *
     * @since 0.2.0
     */
    public Builder resume(@Nullable Resume resume) {
      this.resume = resume;
      return this;
    }

    /**
     * How long a resume session waits for its client after losing its connection before it expires.
     * Defaults to {@link #DEFAULT_SESSION_TIMEOUT}, 3 min.
     *
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @since 0.2.0
     */
    public Builder sessionTimeout(Duration timeout) {
      positive(timeout, "session timeout");
      this.sessionTimeout = timeout;
      return this;
    }

    /**
     * How many resume sessions may wait for their client at once; beyond that the one waiting
     * longest expires. Defaults to {@value #DEFAULT_MAX_DETACHED_SESSIONS}.
     *
     * @throws IllegalArgumentException if {@code sessions} is below 1
     * @since 0.2.0
     */
    public Builder maxDetachedSessions(int sessions) {
      if (sessions < 1) {
        throw new IllegalArgumentException(
            "at least 1 detached session must be allowed, was " + sessions);
      }
      this.maxDetachedSessions = sessions;
      return this;
    }

    /**
     * The heartbeat dialect to answer: a client frame for which {@link
     * Heartbeat#answer(dev.lifeline .Frame)} has an answer gets it at once and never reaches the
     * application. Its interval and timeout do not matter here. RFC 6455 pings are answered by
     * Netty whatever the dialect. Defaults to {@code Heartbeat.text("heart_beat", "ok")}, the
     * seed's.
     *
     * @since 0.1.0
     */
    public Builder heartbeat(Heartbeat heartbeat) {
      this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
      return this;
    }

    /**
     * The server heartbeats every client itself, as a client's supervisor does its server: after
     * {@code heartbeat.interval()} without any frame from a client it sends {@code
     * heartbeat.newPing(n)}, reports each answer's round trip ({@link
     * ServerEvent.ClientHeartbeatAnswered}), and closes a client with status 1001 when nothing at
     * all arrives within {@code heartbeat.timeout()} after each of {@code
     * heartbeat.unansweredLimit()} heartbeats in a row ({@link ServerEvent.ClientDead}); the timing
     * is the client's rules C2, C3 and C10. Answers never reach the application.
     *
     * <p>The default is {@code Heartbeat.ping()}: an RFC 6455 ping after 60 s of silence, dead 5 s
     * later. Every WebSocket client answers pings (browsers do it without the page's code), so a
     * client that only listens is never closed while it is alive, and a dead one is closed 65 s
     * after its last frame, as by the idle limit. Behind a proxy that closes quiet connections
     * (nginx and AWS ALB after 60 s, Cloudflare after 100 s) set an interval below its limit, such
     * as 30 s. With {@link #resume(Resume)} the heartbeat must be {@code Heartbeat.ping()} (with
     * any timing): text frames are data there. Replaces {@link #idleTimeout(Duration)}.
     *
     * @since 0.2.0
     */
    public Builder pingClients(Heartbeat heartbeat) {
      this.pings = Objects.requireNonNull(heartbeat, "heartbeat");
      return this;
    }

    /**
     * Instead of heartbeating clients ({@link #pingClients(Heartbeat)}, the default), closes a
     * client that stays silent — no frame at all, heartbeats and pings included — for longer than
     * {@code timeout}, with status 1001, sending it nothing first ({@link
     * ServerEvent.ClientIdleClosed}). Right for clients that heartbeat themselves, such as
     * Lifeline's: a client with Lifeline's defaults sends a heartbeat after 60 s of silence and
     * gives up 5 s later, so 65 s ({@link #DEFAULT_IDLE_TIMEOUT}) never closes a live one; a client
     * that only listens is closed, though, which is why it is not the default. Replaces {@link
     * #pingClients(Heartbeat)}.
     *
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @since 0.1.0
     */
    public Builder idleTimeout(Duration timeout) {
      positive(timeout, "idle timeout");
      this.idleTimeout = timeout;
      this.pings = null;
      return this;
    }

    /**
     * How long a close this server starts (idle limit, {@link ServerConnection#close(int, String)},
     * a message too big) waits for the client's answering close frame before it closes the TCP
     * connection anyway. Until then the connection is still read, so the client's close completes
     * the closing handshake (RFC 6455 7.1.1) and it sees a clean close; a frozen or silent client
     * holds the connection no longer than this. Defaults to {@link #DEFAULT_CLOSE_TIMEOUT}, 5 s.
     *
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @since 0.1.0
     */
    public Builder closeTimeout(Duration timeout) {
      positive(timeout, "close timeout");
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * The largest message a client may send in fragments, in bytes; a longer one closes the
     * connection with status 1009. Single frames are bounded by the route's {@code
     * WebsocketServerSpec.maxFramePayloadLength}. Defaults to {@value #DEFAULT_MAX_MESSAGE_LENGTH}.
     *
     * @throws IllegalArgumentException if {@code bytes} is below 125
     * @since 0.1.0
     */
    public Builder maxMessageLength(int bytes) {
      if (bytes < 125) {
        throw new IllegalArgumentException(
            "max message length must be at least 125 bytes, was " + bytes);
      }
      this.maxMessageLength = bytes;
      return this;
    }

    /**
     * The scheduler for the heartbeat and idle timers and every time stamp. Defaults to {@link
     * Schedulers#parallel()}; never disposed by the supervisor.
     *
     * @since 0.1.0
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * A new supervisor with these settings.
     *
     * @since 0.1.0
     */
    public ServerSupervisor build() {
      if (resume != null && pings != null && !(pings.newPing(1) instanceof Frame.Ping)) {
        throw new IllegalArgumentException(
            "a resuming server heartbeats its clients with Heartbeat.ping() only, was "
                + pings
                + ": on a "
                + Resume.PROTOCOL
                + " connection text and binary frames are data: use pingClients(Heartbeat.ping())"
                + " with your interval and timeout, or idleTimeout(..)");
      }
      return new ServerSupervisor(this);
    }
  }
}
