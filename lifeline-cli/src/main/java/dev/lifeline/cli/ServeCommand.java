package dev.lifeline.cli;

import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.internal.ReconnectHint;
import dev.lifeline.netty.ServerConnection;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.reactivestreams.Publisher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code lifeline serve}: an echo server that answers heartbeats and closes clients that stay
 * silent past the idle limit. Runs until interrupted (Ctrl-C, SIGTERM), then shuts down cleanly.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a WebSocket echo server that answers heartbeats and closes silent clients.",
      "Events go to stderr. Runs until interrupted (Ctrl-C, SIGTERM); on the way out it closes"
          + " every client with 1001 (going away), or drains them with 1012 (--drain-window,"
          + " --reconnect-within)."
    },
    sortOptions = false)
final class ServeCommand implements Callable<Integer> {

  /** Long enough for every client's closing handshake: the server's close timeout, plus margin. */
  private static final Duration SHUTDOWN =
      ServerSupervisor.DEFAULT_CLOSE_TIMEOUT.plus(Duration.ofSeconds(2));

  private final Console console;

  @Spec CommandSpec spec;

  @Option(
      names = "--host",
      paramLabel = "<address>",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      paramLabel = "<port>",
      defaultValue = "8080",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--path",
      paramLabel = "<path>",
      defaultValue = "/ws",
      description = "The WebSocket endpoint's path (default: ${DEFAULT-VALUE}).")
  String path;

  @Option(
      names = "--ping-interval",
      paramLabel = "<duration>",
      description =
          "Ping a client after this long without a frame from it, and close it with 1001 when it"
              + " does not answer within --ping-timeout (default: 60s).")
  Duration pingInterval;

  @Option(
      names = "--ping-timeout",
      paramLabel = "<duration>",
      description = "Time a client has to answer a ping (default: 5s).")
  Duration pingTimeout;

  @Option(
      names = "--idle-timeout",
      paramLabel = "<duration>",
      description =
          "Instead of pinging clients, close a client silent for this long, with 1001 (a client"
              + " that only listens is closed too).")
  Duration idleTimeout;

  @Option(
      names = "--dialect",
      paramLabel = "ping|text",
      defaultValue = "text",
      description =
          "Heartbeats to answer besides RFC pings, which are always answered: with text, a frame"
              + " --ping-text is answered with --pong-text (default: ${DEFAULT-VALUE}).")
  Dialect dialect;

  @Mixin TextDialectOptions texts;

  @Option(
      names = "--resume",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Resume sessions (lifeline.resume.v1) for clients that offer it, such as connect"
              + " --resume: nothing lost or repeated across their reconnects; other clients are"
              + " served as before (default: on; --no-resume turns it off).")
  boolean resume;

  @Option(
      names = "--drain-window",
      paramLabel = "<duration>",
      description =
          "On the way out, close the clients with 1012 (service restart), each at a random instant"
              + " within this window, instead of all at once with 1001, so that they come back"
              + " spread (e.g. 10s).")
  Duration drainWindow;

  @Option(
      names = "--reconnect-within",
      paramLabel = "<duration>",
      description =
          "On the way out, close the clients with 1012 and the reason 'service restart; reconnect"
              + " within <N> ms': Lifeline clients wait a random point within it before they"
              + " reconnect (with --drain-window, or all closed at once without it).")
  Duration reconnectWithin;

  @Option(
      names = "--events",
      paramLabel = "text|json",
      defaultValue = "text",
      description =
          "Event lines on stderr: text (time, event, then key=value fields) or one JSON object"
              + " per line, as connect prints them (default: ${DEFAULT-VALUE}).")
  EventFormat events = EventFormat.TEXT;

  ServeCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() {
    if (port < 0 || port > 65_535) {
      throw bad("--port must be between 0 and 65535, was " + port);
    }
    if (!path.startsWith("/")) {
      throw bad("--path must start with '/', was '" + path + "'");
    }
    ServerSupervisor.Builder builder =
        ServerSupervisor.builder()
            .heartbeat(texts.heartbeat(dialect))
            .resume(resume ? Resume.defaults() : null);
    String liveness;
    if (idleTimeout != null) {
      if (pingInterval != null || pingTimeout != null) {
        throw bad(
            "--idle-timeout closes silent clients without pinging them: give it or"
                + " --ping-interval/--ping-timeout, not both");
      }
      Durations.requirePositive(spec.commandLine(), idleTimeout, "--idle-timeout");
      builder.idleTimeout(idleTimeout);
      liveness = "idle timeout " + Durations.format(idleTimeout);
    } else {
      Duration interval = pingInterval == null ? Heartbeat.DEFAULT_INTERVAL : pingInterval;
      Duration timeout = pingTimeout == null ? Heartbeat.DEFAULT_TIMEOUT : pingTimeout;
      Durations.requirePositive(spec.commandLine(), interval, "--ping-interval");
      Durations.requirePositive(spec.commandLine(), timeout, "--ping-timeout");
      builder.pingClients(Heartbeat.ping().interval(interval).timeout(timeout));
      liveness =
          "pings clients after "
              + Durations.format(interval)
              + " quiet, timeout "
              + Durations.format(timeout);
    }
    if (reconnectWithin != null) {
      Durations.requirePositive(spec.commandLine(), reconnectWithin, "--reconnect-within");
      try {
        ReconnectHint.reason("", reconnectWithin);
      } catch (IllegalArgumentException e) {
        throw bad("--reconnect-within: " + e.getMessage());
      }
    }
    ServerSupervisor server = builder.build();
    Disposable events =
        server.events().subscribe(event -> console.err(describe(event, this.events)));
    Set<ServerConnection> clients = ConcurrentHashMap.newKeySet();
    DisposableServer http;
    try {
      http =
          HttpServer.create()
              .host(host)
              .port(port)
              .route(routes -> routes.get(path, server.upgrade(client -> echo(client, clients))))
              .bindNow();
    } catch (RuntimeException e) {
      events.dispose();
      throw new IllegalStateException(
          "cannot listen on "
              + host
              + ":"
              + port
              + ": "
              + EventFormat.describe(rootCause(e))
              + "; choose another --port or --host",
          e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread shutdown =
        new Thread(
            () -> {
              stop(server, http, clients, events);
              stopped.countDown();
            },
            "lifeline-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    console.err(
        Instant.now()
            + " listening on ws://"
            + http.host()
            + ":"
            + http.port()
            + path
            + " (echo; "
            + liveness
            + ", dialect "
            + dialect.name().toLowerCase(Locale.ROOT)
            + "); Ctrl-C stops");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Interrupted instead of killed (an embedding caller): stop the same way.
      Runtime.getRuntime().removeShutdownHook(shutdown);
      stop(server, http, clients, events);
    }
    return 0;
  }

  private static Publisher<Void> echo(ServerConnection client, Set<ServerConnection> clients) {
    clients.add(client);
    return client.send(client.inbound()).doFinally(signal -> clients.remove(client));
  }

  /**
   * Tells every client the server is going away (1001), so they reconnect at once, or drains them
   * (1012, spread over --drain-window, with the --reconnect-within hint), then stops.
   */
  private void stop(
      ServerSupervisor server,
      DisposableServer http,
      Set<ServerConnection> clients,
      Disposable events) {
    // stop accepting first: a client that comes back while the others drain must find no server
    // here (and go to another, or retry), not a dying one that cuts it without a close
    http.channel().close().awaitUninterruptibly(SHUTDOWN.toMillis());
    int count = clients.size();
    boolean draining = drainWindow != null || reconnectWithin != null;
    if (draining) {
      Duration window = drainWindow == null ? Duration.ZERO : drainWindow;
      drain(server, window).block(window.plus(SHUTDOWN));
      // a client whose upgrade completed just before the listener closed may have registered
      // after the drain began: it is drained too, at once
      drain(server, Duration.ZERO).block(SHUTDOWN);
    } else {
      Flux.fromIterable(List.copyOf(clients))
          .flatMap(
              client -> client.close(1001, "server shutting down").onErrorResume(e -> Mono.empty()))
          .then()
          .block(SHUTDOWN);
    }
    http.disposeNow(SHUTDOWN);
    events.dispose();
    console.err(
        Instant.now()
            + " stopped"
            + (count == 0
                ? ""
                : " (closed "
                    + count
                    + " client"
                    + (count == 1 ? "" : "s")
                    + (draining ? " with 1012)" : " with 1001)")));
    console.out().flush();
  }

  private Mono<Void> drain(ServerSupervisor server, Duration window) {
    return (reconnectWithin == null ? server.drain(window) : server.drain(window, reconnectWithin))
        .onErrorResume(e -> Mono.empty());
  }

  private static Throwable rootCause(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? failure : cause;
  }

  /**
   * A server event as one line in {@code format}, like {@code connect}'s events, stamped now by the
   * wall clock (the event's own time is its scheduler's): {@code time event id=… remote=…}, plus
   * {@code silence_ms} (whole milliseconds, as in the close reason) for {@code client-idle-closed},
   * {@code sequence} and {@code rtt_ms} for {@code client-heartbeat-answered}, {@code sequence},
   * {@code unanswered} and {@code silence_ms} for {@code client-dead}, and {@code close_code} and
   * {@code reason} for {@code client-closed}.
   */
  static String describe(ServerEvent event) {
    return describe(event, EventFormat.TEXT);
  }

  static String describe(ServerEvent event, EventFormat format) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("time", Instant.now().toString());
    fields.put("event", name(event));
    fields.put("id", event.id());
    fields.put("remote", String.valueOf(event.remoteAddress()));
    if (event instanceof ServerEvent.ClientIdleClosed idle) {
      fields.put("silence_ms", idle.silence().toMillis());
    } else if (event instanceof ServerEvent.ClientHeartbeatAnswered answered) {
      fields.put("sequence", answered.sequence());
      fields.put("rtt_ms", Durations.millis(answered.roundTrip()));
    } else if (event instanceof ServerEvent.ClientDead dead) {
      fields.put("sequence", dead.sequence());
      fields.put("unanswered", dead.unanswered());
      fields.put("silence_ms", dead.silence().toMillis());
    } else if (event instanceof ServerEvent.ClientClosed closed) {
      fields.put("close_code", closed.code());
      fields.put("reason", closed.reason().isEmpty() ? null : closed.reason());
    } else if (event instanceof ServerEvent.SessionResumed resumed) {
      fields.put("replayed_frames", resumed.replayedFrames());
      fields.put("received_frames", resumed.receivedFrames());
      fields.put("downtime_ms", resumed.downtime().toMillis());
    } else if (event instanceof ServerEvent.SessionExpired expired) {
      fields.put("unconfirmed_frames", expired.unconfirmedFrames());
      fields.put("reason", expired.reason());
    }
    return format.format(fields);
  }

  static String name(ServerEvent event) {
    if (event instanceof ServerEvent.ClientConnected) {
      return "client-connected";
    }
    if (event instanceof ServerEvent.SessionStarted) {
      return "session-started";
    }
    if (event instanceof ServerEvent.SessionResumed) {
      return "session-resumed";
    }
    if (event instanceof ServerEvent.SessionExpired) {
      return "session-expired";
    }
    if (event instanceof ServerEvent.ClientHeartbeatAnswered) {
      return "client-heartbeat-answered";
    }
    if (event instanceof ServerEvent.ClientDead) {
      return "client-dead";
    }
    return event instanceof ServerEvent.ClientIdleClosed ? "client-idle-closed" : "client-closed";
  }

  private CommandLine.ParameterException bad(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
