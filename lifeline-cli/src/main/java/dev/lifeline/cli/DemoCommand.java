package dev.lifeline.cli;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.retry.Retry;

/**
 * {@code lifeline demo}: the seed's problem and its cure, on loopback, in about ten seconds. An
 * echo server and a supervised client talk through a {@link FaultProxy}; the proxy then drops every
 * byte without closing anything (an unplugged cable), the client's heartbeat finds the peer dead,
 * frames sent meanwhile wait, and once the cable is back the client reconnects and the waiting
 * frames arrive.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Shows dead-peer detection and reconnection on loopback, in about 10 seconds.",
      "An echo server, a supervised client (heartbeat interval 1s, answer timeout 500ms, retry"
          + " delay 1s), and a fault proxy between them that cuts the network without closing"
          + " anything. Prints a timeline and a summary."
    })
final class DemoCommand implements Callable<Integer> {

  static final Duration INTERVAL = Duration.ofSeconds(1);
  static final Duration TIMEOUT = Duration.ofMillis(500);
  static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  static final Duration SERVER_IDLE = Duration.ofSeconds(3);

  /** The longest the demo waits for any one step before it gives up. */
  private static final Duration STEP = Duration.ofSeconds(10);

  private final Console console;

  DemoCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() throws InterruptedException {
    console.out("Lifeline demo: a WebSocket whose network dies without closing, detected and");
    console.out(
        "healed. Heartbeat interval "
            + Durations.format(INTERVAL)
            + ", answer timeout "
            + Durations.format(TIMEOUT)
            + ", retry delay "
            + Durations.format(RETRY_DELAY)
            + ".");
    console.out("");
    ServerSupervisor server =
        ServerSupervisor.builder()
            .heartbeat(Heartbeat.ping())
            .idleTimeout(SERVER_IDLE)
            .resume(Resume.defaults())
            .build();
    DisposableServer http =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(routes -> routes.get("/ws", server.upgrade(c -> c.send(c.inbound()))))
            .bindNow();
    // The clock starts once Netty is up, so the timeline measures the connection, not class
    // loading.
    Timeline timeline = new Timeline(console);
    Disposable serverEvents =
        server.events().subscribe(event -> timeline.say("server", Timeline.describe(event)));
    try (FaultProxy proxy = FaultProxy.start(new InetSocketAddress("127.0.0.1", http.port()))) {
      timeline.say(
          "server",
          "echo server on ws://127.0.0.1:"
              + http.port()
              + "/ws, closes clients silent for "
              + Durations.format(SERVER_IDLE));
      timeline.say(
          "network", "fault proxy on 127.0.0.1:" + proxy.port() + " forwards to the server");
      return new Scenario(timeline, server, proxy).play();
    } catch (Stuck stuck) {
      console.err("lifeline demo: " + stuck.getMessage());
      return Main.EXHAUSTED;
    } finally {
      serverEvents.dispose();
      http.disposeNow(STEP);
    }
  }

  /** One run of the demo: the client, its counters, and the steps. */
  private static final class Scenario {
    private final Timeline timeline;
    private final ServerSupervisor server;
    private final FaultProxy proxy;
    private final SupervisedConnection client;
    private final Sinks.Many<String> echoes = Sinks.many().replay().all();
    private final Summary summary = new Summary();

    Scenario(Timeline timeline, ServerSupervisor server, FaultProxy proxy) {
      this.timeline = timeline;
      this.server = server;
      this.proxy = proxy;
      WebSocketTransport transport =
          WebSocketTransport.create("ws://127.0.0.1:" + proxy.port() + "/ws")
              .connectTimeout(RETRY_DELAY)
              .handshakeTimeout(RETRY_DELAY);
      this.client =
          Supervisor.create(transport)
              .heartbeat(Heartbeat.ping().interval(INTERVAL).timeout(TIMEOUT))
              .retry(Retry.fixedDelay(5, RETRY_DELAY))
              .resume(Resume.defaults())
              .connection();
    }

    int play() throws InterruptedException, Stuck {
      try {
        return steps();
      } finally {
        client.dispose();
      }
    }

    private int steps() throws InterruptedException, Stuck {
      client
          .events()
          .subscribe(
              event -> {
                summary.record(event);
                timeline.say("client", Timeline.describe(event));
              });
      CompletableFuture<ConnectionEvent> connected =
          next(ConnectionEvent.Connected.class::isInstance);
      client
          .inbound()
          .subscribe(
              frame -> {
                if (frame instanceof Frame.Text text) {
                  timeline.say("client", "received echo \"" + text.text() + "\"");
                  // Results considered: OK; the replay sink is unbounded and serialized by
                  // inbound's own ordering, so FAIL_OVERFLOW and FAIL_NON_SERIALIZED cannot occur.
                  echoes.tryEmitNext(text.text());
                  summary.echoed();
                }
              },
              failure -> {});
      await(connected, "the first connection");

      // Traffic flows: every frame comes back.
      send(1, 3, "");
      await(echoes.asFlux().take(3).then().toFuture(), "the echoes of frames 1 to 3");

      // Quiet: only heartbeats prove the peer alive.
      await(next(ConnectionEvent.HeartbeatAnswered.class::isInstance), "a heartbeat answer");

      // The cable is unplugged: nothing closes, nothing errors, bytes just vanish.
      CompletableFuture<ConnectionEvent> dead = next(ConnectionEvent.PeerDead.class::isInstance);
      CompletableFuture<ConnectionEvent> scheduled =
          next(ConnectionEvent.ReconnectScheduled.class::isInstance);
      CompletableFuture<ServerEvent> reaped =
          server.events().filter(ServerEvent.ClientIdleClosed.class::isInstance).next().toFuture();
      summary.unplugged();
      proxy.blackhole();
      timeline.say(
          "network",
          "CABLE UNPLUGGED: the proxy drops every byte both ways; no FIN, no RST, sockets stay open");
      // Frames written now go into the dead network: without resume they would be lost.
      send(4, 6, " (into the dead network: nothing has noticed yet)");
      await(dead, "peer-dead");

      // Frames sent during the outage wait in the outbound buffer.
      await(scheduled, "the dead connection to be closed");
      CompletableFuture<ConnectionEvent> failedAttempt =
          next(e -> e instanceof ConnectionEvent.Disconnected d && d.attempt() >= 1);
      send(7, 9, " (no connection: it waits in the outbound buffer)");
      await(failedAttempt, "a reconnect attempt to fail while the network is down");
      await(reaped, "the server to close the silent client");

      // The cable is back: the next attempt resumes the session, replays frames 4 to 6 that died
      // in the network, then the waiting frames go out.
      CompletableFuture<ConnectionEvent> reconnected =
          next(ConnectionEvent.Connected.class::isInstance);
      proxy.pass();
      timeline.say("network", "cable plugged back in: the proxy forwards again");
      await(reconnected, "the reconnect");
      await(echoes.asFlux().take(9).then().toFuture(), "the echoes of frames 4 to 9");

      CompletableFuture<ConnectionEvent> closed = next(ConnectionEvent.Closed.class::isInstance);
      CompletableFuture<ServerEvent> gone =
          server.events().filter(ServerEvent.ClientClosed.class::isInstance).next().toFuture();
      client.close().block(STEP);
      await(closed, "the close");
      await(gone, "the server to see the client leave");
      summary.print(timeline);
      return 0;
    }

    private void send(int from, int to, String note) {
      for (int i = from; i <= to; i++) {
        String text = "frame " + i;
        timeline.say("app", "send \"" + text + "\"" + note);
        summary.sent++;
        client.send(Frame.text(text)).subscribe(null, failure -> {});
      }
    }

    /** The next client event matching {@code condition}; call before causing it. */
    private CompletableFuture<ConnectionEvent> next(Predicate<ConnectionEvent> condition) {
      return client.events().filter(condition).next().toFuture();
    }

    private static <T> T await(CompletableFuture<T> step, String what)
        throws InterruptedException, Stuck {
      try {
        return step.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new Stuck(
            "waited " + Durations.format(STEP) + " for " + what + " in vain; the demo stops here");
      } catch (ExecutionException e) {
        throw new Stuck("failed waiting for " + what + ": " + EventFormat.describe(e.getCause()));
      }
    }
  }

  /** What the demo measured, printed at the end. */
  private static final class Summary {
    int sent;
    private int echoed;
    private long unplugged;
    private Duration detection;
    private int attempts;
    private int heartbeats;
    private Duration rttTotal = Duration.ZERO;
    private Duration rttMax = Duration.ZERO;

    synchronized void record(ConnectionEvent event) {
      if (event instanceof ConnectionEvent.Connecting c && c.attempt() > 0) {
        attempts = Math.max(attempts, c.attempt());
      } else if (event instanceof ConnectionEvent.PeerDead && detection == null) {
        // Measured here, as the event happens, on the same clock as the unplugging.
        detection = Duration.ofNanos(System.nanoTime() - unplugged);
      } else if (event instanceof ConnectionEvent.HeartbeatAnswered answered) {
        heartbeats++;
        rttTotal = rttTotal.plus(answered.roundTrip());
        if (answered.roundTrip().compareTo(rttMax) > 0) {
          rttMax = answered.roundTrip();
        }
      }
    }

    synchronized void echoed() {
      echoed++;
    }

    synchronized void unplugged() {
      unplugged = System.nanoTime();
    }

    synchronized void print(Timeline timeline) {
      String failed =
          switch (attempts) {
            case 0, 1 -> "";
            case 2 -> "; attempt 1 ran into the dead network and failed, as it should";
            default ->
                "; attempts 1 to "
                    + (attempts - 1)
                    + " ran into the dead network and failed, as they should";
          };
      timeline.plain("");
      timeline.plain("Summary");
      timeline.plain(
          "  detection   "
              + Timeline.seconds(detection)
              + " from cable cut to peer-dead (interval "
              + Durations.format(INTERVAL)
              + " + timeout "
              + Durations.format(TIMEOUT)
              + "); no socket had closed");
      timeline.plain("  reconnect   on attempt " + attempts + failed);
      timeline.plain(
          "  frames      "
              + sent
              + " sent, "
              + echoed
              + " echoed, each exactly once, in order: frames 4-6 were written into the dead"
              + " network and replayed after the reconnect (resume), frames 7-9 waited in the"
              + " outbound buffer");
      timeline.plain(
          "  heartbeats  "
              + heartbeats
              + " answered, RTT mean "
              + Timeline.millis(heartbeats == 0 ? Duration.ZERO : rttTotal.dividedBy(heartbeats))
              + ", max "
              + Timeline.millis(rttMax));
      timeline.plain(
          "  server      closed the silent client after its "
              + Durations.format(SERVER_IDLE)
              + " idle limit instead of writing into it");
    }
  }

  /** A step did not happen in time. */
  private static final class Stuck extends Exception {
    private static final long serialVersionUID = 1L;

    Stuck(String message) {
      super(message);
    }
  }
}
