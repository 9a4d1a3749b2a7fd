package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.Transport;
import dev.lifeline.support.DeliberateBlocking;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.LoopResources;
import reactor.test.StepVerifier;

/** The server half against real sockets on loopback. */
class ServerSupervisorTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void silentClientIsClosedWithGoingAwayAfterTheIdleLimit() {
    ServerSupervisor supervisor =
        ServerSupervisor.builder().idleTimeout(Duration.ofMillis(300)).build();
    Flux<ServerEvent> events = supervisor.events().replay().autoConnect(0);
    try (TestServer server = TestServer.echo(supervisor)) {
      Transport.Connection silent =
          WebSocketTransport.create(server.uri("/ws")).connect(Flux.never()).block(WAIT);

      StepVerifier.create(silent.inbound())
          .assertNext(
              frame -> {
                assertThat(frame).isInstanceOf(Frame.Close.class);
                assertThat(((Frame.Close) frame).code()).isEqualTo(1001);
                assertThat(((Frame.Close) frame).reason())
                    .matches("idle: no frame for \\d+ ms \\(limit 300 ms\\)");
              })
          .expectComplete()
          .verify(WAIT);

      List<ServerEvent> seen = events.take(3).collectList().block(WAIT);
      assertThat(seen.get(0)).isInstanceOf(ServerEvent.ClientConnected.class);
      assertThat(seen.get(1))
          .isInstanceOfSatisfying(
              ServerEvent.ClientIdleClosed.class,
              idle -> assertThat(idle.silence()).isGreaterThanOrEqualTo(Duration.ofMillis(300)));
      assertThat(seen.get(2))
          .isInstanceOfSatisfying(
              ServerEvent.ClientClosed.class, closed -> assertThat(closed.code()).isEqualTo(1001));
      assertThat(seen).extracting(ServerEvent::id).containsOnly(seen.get(0).id());
      WebSocketTransportTest.await(() -> supervisor.connections() == 0);
    }
  }

  @Test
  void clientSendingOnlyRfcPingsIsNotClosedForSilence() {
    ServerSupervisor supervisor =
        ServerSupervisor.builder().idleTimeout(Duration.ofMillis(800)).build();
    Flux<ServerEvent> events = supervisor.events().replay().autoConnect(0);
    try (TestServer server = TestServer.echo(supervisor)) {
      SupervisedConnection ws =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
              // the timeout below the interval: the next heartbeat goes out after the timeout
              // has run out (see the report on LiveConnection), so keep it short
              .heartbeat(
                  Heartbeat.ping().interval(Duration.ofMillis(200)).timeout(Duration.ofMillis(150)))
              .connection();
      Flux<ConnectionEvent> clientEvents = ws.events().replay().autoConnect(0);
      ws.inbound().subscribe();

      // well past the idle limit, kept alive by pings that only Netty answers
      clientEvents.ofType(ConnectionEvent.HeartbeatAnswered.class).take(6).blockLast(WAIT);

      assertThat(supervisor.connections()).isEqualTo(1);
      ws.close().block(WAIT);
      List<ServerEvent> seen = events.take(2).collectList().block(WAIT);
      assertThat(seen)
          .extracting(Object::getClass)
          .doesNotContain(ServerEvent.ClientIdleClosed.class);
      assertThat(seen.get(1))
          .isInstanceOfSatisfying(
              ServerEvent.ClientClosed.class, closed -> assertThat(closed.code()).isEqualTo(1000));
    }
  }

  @Test
  void customDialectIsAnsweredAndHidden() {
    Heartbeat dialect =
        Heartbeat.custom(
            seq -> Frame.text("{\"type\":\"ping\"}"),
            frame -> frame.equals(Frame.text("{\"type\":\"pong\"}")),
            frame ->
                frame.equals(Frame.text("{\"type\":\"ping\"}"))
                    ? Frame.text("{\"type\":\"pong\"}")
                    : null);
    ServerSupervisor supervisor = ServerSupervisor.builder().heartbeat(dialect).build();
    try (TestServer server = TestServer.echo(supervisor)) {
      SupervisedConnection ws =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
              .heartbeat(dialect.interval(Duration.ofMillis(200)))
              .connection();
      Flux<ConnectionEvent> events = ws.events().replay().autoConnect(0);
      Flux<Frame> inbound = ws.inbound().replay().autoConnect(0);

      events.ofType(ConnectionEvent.HeartbeatAnswered.class).take(2).blockLast(WAIT);
      ws.send(Frame.text("after")).block(WAIT);

      assertThat(inbound.next().block(WAIT)).isEqualTo(Frame.text("after"));
      ws.close().block(WAIT);
    }
  }

  @Test
  void heartbeatsAreAnsweredWhileTheApplicationIsSlow() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server = TestServer.start(0, routes -> routes.ws("/ws", stalled(supervisor)))) {
      SupervisedConnection ws =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
              .heartbeat(
                  Heartbeat.text("heart_beat", "ok")
                      .interval(Duration.ofMillis(300))
                      .timeout(Duration.ofMillis(500)))
              .connection();
      Flux<ConnectionEvent> clientEvents = ws.events().replay().autoConnect(0);
      ws.inbound().subscribe();

      // fewer frames than the session holds for its application, far more than it reads at once
      Flux.range(0, 200).concatMap(i -> ws.send(Frame.text("x".repeat(1000)))).blockLast(WAIT);

      List<ConnectionEvent> outcomes =
          clientEvents
              .filter(
                  e ->
                      e instanceof ConnectionEvent.HeartbeatAnswered
                          || e instanceof ConnectionEvent.PeerDead)
              .take(4)
              .collectList()
              .block(WAIT);
      assertThat(outcomes).allMatch(ConnectionEvent.HeartbeatAnswered.class::isInstance);
      ws.close().block(WAIT);
    }
  }

  @Test
  void clientIsNotJudgedIdleWhileItsFramesWaitForTheApplication() {
    ServerSupervisor supervisor =
        ServerSupervisor.builder().idleTimeout(Duration.ofMillis(300)).build();
    Flux<ServerEvent> events = supervisor.events().replay().autoConnect(0);
    try (TestServer server = TestServer.start(0, routes -> routes.ws("/ws", stalled(supervisor)))) {
      // more frames than the session holds: it stops reading, then the client goes silent
      Flux<Frame> backlog =
          Flux.range(0, ServerSession.INBOUND_BUFFER + 100)
              .map(i -> (Frame) Frame.text("x".repeat(1000)))
              .concatWith(Flux.never());
      Transport.Connection client =
          WebSocketTransport.create(server.uri("/ws")).connect(backlog).block(WAIT);

      StepVerifier.create(events)
          .expectNextMatches(ServerEvent.ClientConnected.class::isInstance)
          // five idle limits
          .expectNoEvent(Duration.ofMillis(1500))
          .thenCancel()
          .verify(WAIT);
      client.dispose();
    }
  }

  @Test
  void slowApplicationReceivesEveryFrameInOrderPastTheBuffer() {
    int count = ServerSession.INBOUND_BUFFER * 3;
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server =
        TestServer.start(
            0,
            routes ->
                routes.ws(
                    "/ws",
                    supervisor.handler(
                        c -> c.send(c.inbound().delayElements(Duration.ofMillis(1))))))) {
      Transport.Connection client =
          WebSocketTransport.create(server.uri("/ws"))
              .connect(
                  Flux.range(0, count)
                      .map(i -> (Frame) Frame.text(i + ":" + "x".repeat(500)))
                      .concatWith(Flux.never()))
              .block(WAIT);

      List<Frame> echoed = client.inbound().take(count).collectList().block(WAIT);
      assertThat(echoed)
          .containsExactlyElementsOf(
              Flux.range(0, count)
                  .map(i -> (Frame) Frame.text(i + ":" + "x".repeat(500)))
                  .collectList()
                  .block());
      client.dispose();
    }
  }

  @Test
  void eventTimesAreWallClockTimes() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    Flux<ServerEvent> events = supervisor.events().replay().autoConnect(0);
    try (TestServer server = TestServer.echo(supervisor)) {
      Instant before = Instant.now().minusSeconds(1);
      Transport.Connection client =
          WebSocketTransport.create(server.uri("/ws")).connect(Flux.never()).block(WAIT);
      ServerEvent connected = events.blockFirst(WAIT);
      Instant after = Instant.now().plusSeconds(1);

      assertThat(connected.time()).isBetween(before, after);
      client.dispose();
    }
  }

  @Test
  void slowEventSubscriberDoesNotStallOtherConnections() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    Disposable slow =
        supervisor
            .events()
            .subscribe(
                event -> {
                  if (first.getAndSet(false)) {
                    // holds the event loop on purpose (BlockHound lets this one call through)
                    DeliberateBlocking.await(release, Duration.ofSeconds(30));
                  }
                });
    // two worker threads: the second connection is served by the thread the first one does not hold
    LoopResources loops = LoopResources.create("lifeline-slow-subscriber", 1, 2, true);
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .runOn(loops)
            .route(routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))))
            .bindNow(WAIT);
    String uri = "ws://127.0.0.1:" + server.port() + "/ws";
    try {
      // the subscriber blocks in the first connection's ClientConnected
      Transport.Connection held = WebSocketTransport.create(uri).connect(Flux.never()).block(WAIT);
      WebSocketTransportTest.await(() -> !first.get());

      Transport.Connection other =
          WebSocketTransport.create(uri)
              .connect(Flux.<Frame>just(Frame.text("still served")).concatWith(Flux.never()))
              .block(WAIT);
      assertThat(other.inbound().blockFirst(WAIT)).isEqualTo(Frame.text("still served"));
      other.dispose();
      held.dispose();
    } finally {
      release.countDown();
      slow.dispose();
      server.disposeNow(WAIT);
      loops.disposeLater().block(WAIT);
    }
  }

  private static BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<Void>> stalled(
      ServerSupervisor supervisor) {
    // takes one frame, then needs ten seconds for it
    return supervisor.handler(
        c -> c.inbound().concatMap(f -> Mono.delay(Duration.ofSeconds(10)), 1).then());
  }
}
