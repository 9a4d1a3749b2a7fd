package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.Transport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
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
}
