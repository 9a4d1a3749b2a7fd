package dev.lifeline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.internal.ResumeMessages;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.support.RealTime;
import dev.lifeline.support.VirtualClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.retry.Retry;

/** Each meter moves when its event happens: clients on virtual time, the server on a socket. */
class LifelineMetricsTest {
  private final VirtualClock clock = new VirtualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Tags orders = Tags.of("connection", "orders");

  private double gauge(String state) {
    var gauge = registry.find("lifeline.connections").tags(orders).tag("state", state).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private double counter(String name, String key, String value) {
    var counter = registry.find(name).tags(orders).tag(key, value).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void eachClientMeterMovesWhenItsEventHappens() {
    var supervised =
        clock.connect(
            s ->
                s.name("orders")
                    .heartbeat(
                        Heartbeat.ping()
                            .interval(Duration.ofSeconds(1))
                            .timeout(Duration.ofMillis(500)))
                    .retry(Retry.fixedDelay(1, Duration.ofSeconds(1))));
    Disposable binding = LifelineMetrics.bind(registry, supervised.connection());

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              assertThat(counter("lifeline.connect.attempts", "outcome", "success")).isEqualTo(1);
              assertThat(gauge("connected")).isEqualTo(1);
            })
        .then(() -> clock.advance(1_000)) // heartbeat #1
        .then(() -> clock.advance(10))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .then(
            () -> {
              var rtt = registry.find("lifeline.heartbeat.rtt").tags(orders).timer();
              assertThat(rtt.count()).isEqualTo(1);
              assertThat(rtt.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(10);
            })
        .then(() -> clock.transport.refuse(new ConnectException("Connection refused")))
        .then(() -> clock.transport.lastPeer().close(4000, "bye"))
        .then(
            () -> {
              assertThat(counter("lifeline.disconnects", "cause", "closed_application"))
                  .isEqualTo(1);
              assertThat(gauge("connected")).isZero();
              assertThat(gauge("waiting")).isEqualTo(1);
            })
        .then(() -> clock.advance(1_000)) // the one reconnect, refused; the policy gives up
        .expectError()
        .verify();

    assertThat(counter("lifeline.connect.attempts", "outcome", "failure")).isEqualTo(1);
    assertThat(counter("lifeline.disconnects", "cause", "io")).isEqualTo(1);
    assertThat(registry.find("lifeline.reconnects.exhausted").tags(orders).counter().count())
        .isEqualTo(1);
    assertThat(gauge("failed")).isEqualTo(1);
    assertThat(gauge("waiting")).isZero();
    binding.dispose();
  }

  private double frames(String direction) {
    return traffic("lifeline.frames", direction);
  }

  private double bytes(String direction) {
    return traffic("lifeline.bytes", direction);
  }

  /** The count of {@code meter}, a function counter per direction, for this test's connection. */
  private double traffic(String meter, String direction) {
    return registry.find(meter).tags(orders).tag("direction", direction).functionCounter().count();
  }

  private double queued() {
    return registry.find("lifeline.outbound.queued").tags(orders).gauge().value();
  }

  private double queuedBytes() {
    return registry.find("lifeline.outbound.queued.bytes").tags(orders).gauge().value();
  }

  @Test
  void framesAndBytesInAndOutAndTheOutboundQueueAreMeasured() {
    var supervised =
        clock.connect(s -> s.name("orders").retry(Retry.fixedDelay(1, Duration.ofSeconds(10))));
    var connection = supervised.connection();
    Disposable binding = LifelineMetrics.bind(registry, connection);

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              clock.transport.lastPeer().send(Frame.text("a"));
              clock.transport.lastPeer().send(Frame.text("é€")); // 2 + 3 bytes in UTF-8
              connection.send(Frame.text("x")).subscribe();
            })
        .expectNextCount(2)
        .then(
            () -> {
              assertThat(frames("in")).isEqualTo(2);
              assertThat(frames("out")).isEqualTo(1);
              assertThat(bytes("in")).isEqualTo(6);
              assertThat(bytes("out")).isEqualTo(1);
              assertThat(queued()).isZero();
              assertThat(queuedBytes()).isZero();
            })
        .then(() -> clock.transport.lastPeer().close(1001, "restart")) // reconnect in 10 s
        .then(
            () -> {
              connection.send(Frame.text("yé")).subscribe();
              connection.send(Frame.binary(new byte[4])).subscribe();
              assertThat(queued()).isEqualTo(2);
              assertThat(queuedBytes()).isEqualTo(7);
              assertThat(frames("out")).isEqualTo(1);
              assertThat(bytes("out")).isEqualTo(1);
            })
        .then(() -> clock.advance(10_000))
        .then(
            () -> {
              assertThat(clock.transport.lastPeer().receivedTexts()).containsExactly("yé");
              assertThat(queued()).isZero();
              assertThat(queuedBytes()).isZero();
              assertThat(frames("out")).isEqualTo(3);
              assertThat(connection.framesSent()).isEqualTo(3);
              assertThat(connection.framesReceived()).isEqualTo(2);
              // over both connections: the first one's count carried into the total
              assertThat(bytes("out")).isEqualTo(8);
              assertThat(connection.bytesSent()).isEqualTo(8);
              assertThat(connection.bytesReceived()).isEqualTo(6);
              clock.transport.lastPeer().send(Frame.binary(new byte[10]));
            })
        .expectNextCount(1)
        .then(() -> assertThat(bytes("in")).isEqualTo(16))
        .thenCancel()
        .verify();

    binding.dispose();
    assertThat(registry.find("lifeline.frames").meters()).isEmpty();
    assertThat(registry.find("lifeline.outbound.queued").meters()).isEmpty();
    assertThat(registry.find("lifeline.outbound.queued.bytes").meters()).isEmpty();
    assertThat(registry.find("lifeline.bytes").meters()).isEmpty();
  }

  @Test
  void resumeSessionsAreCountedByOutcome() {
    clock.transport.selectSubprotocol(Resume.PROTOCOL);
    var supervised = clock.connect(s -> s.name("orders").resume(Resume.defaults()));
    Disposable binding = LifelineMetrics.bind(registry, supervised.connection());

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(
                        ResumeMessages.welcome(
                            ResumeMessages.NEW, 0, new byte[ResumeMessages.SESSION_ID_LENGTH])))
        .then(() -> assertThat(counter("lifeline.sessions", "outcome", "started")).isEqualTo(1))
        .thenCancel()
        .verify();
    binding.dispose();
  }

  @Test
  void theServersMetersMoveWithItsClients() throws Exception {
    ServerSupervisor supervisor =
        ServerSupervisor.builder()
            .pingClients(
                Heartbeat.ping().interval(Duration.ofMillis(200)).timeout(Duration.ofSeconds(5)))
            .build();
    Disposable binding = LifelineMetrics.bind(registry, "edge", supervisor);
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))))
            .bindNow();
    try {
      WebSocket client =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + server.port() + "/ws"),
                  new WebSocket.Listener() {})
              .get(10, TimeUnit.SECONDS);
      Tags edge = Tags.of("server", "edge");
      RealTime.await(
          "a round trip timed",
          () -> registry.find("lifeline.server.heartbeat.rtt").tags(edge).timer().count() >= 1);
      assertThat(registry.find("lifeline.server.connections").tags(edge).gauge().value())
          .isEqualTo(1);
      client.sendClose(1000, "").get(10, TimeUnit.SECONDS);
      RealTime.await(
          "the connection gone",
          () -> registry.find("lifeline.server.connections").tags(edge).gauge().value() == 0);
    } finally {
      binding.dispose();
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  @Test
  void causesAreLowCardinalityNames() {
    assertThat(LifelineMetrics.cause(new dev.lifeline.ConnectionClosedException(1001, "")))
        .isEqualTo("closed_normal");
    assertThat(LifelineMetrics.cause(new dev.lifeline.ConnectionClosedException(1011, "x")))
        .isEqualTo("closed_error");
    assertThat(LifelineMetrics.cause(new dev.lifeline.ConnectionClosedException(1006, "")))
        .isEqualTo("connection_lost");
    assertThat(LifelineMetrics.cause(new IllegalStateException("?"))).isEqualTo("other");
  }
}
