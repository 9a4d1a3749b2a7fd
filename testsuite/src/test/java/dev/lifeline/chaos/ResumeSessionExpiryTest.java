package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ResumeSessionExpiredException;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/**
 * A session the server could not keep: both sides are told, with counts, and a new session starts.
 * The server finds the blackholed client idle after 1.5 s, keeps its session 400 ms, then lets it
 * expire; the client comes back afterwards, when the proxy passes the server's close on. The client
 * heartbeats only every 10 s, so it acknowledges nothing before the blackhole.
 */
class ResumeSessionExpiryTest {
  private final List<ServerEvent> serverEvents = new CopyOnWriteArrayList<>();
  private final List<Throwable> handlerEnds = new CopyOnWriteArrayList<>();
  private final ServerSupervisor supervisor =
      ServerSupervisor.builder()
          .heartbeat(dev.lifeline.Heartbeat.ping())
          .idleTimeout(Duration.ofMillis(1500))
          .closeTimeout(Duration.ofMillis(200))
          .resume(Resume.defaults())
          .sessionTimeout(Duration.ofMillis(400))
          .build();
  private final Disposable subscription = supervisor.events().subscribe(serverEvents::add);
  private final DisposableServer server =
      Chaos.serve(
          supervisor,
          "/hold", // never acknowledges by reading: the client's frames stay unconfirmed
          c ->
              c.send(Mono.just(Frame.text("welcome")))
                  .then(c.inbound().then())
                  .doOnError(handlerEnds::add));
  private final FaultProxy proxy =
      FaultProxy.start(new InetSocketAddress("127.0.0.1", server.port()));

  @AfterEach
  void stop() {
    subscription.dispose();
    proxy.close();
    server.disposeNow(Duration.ofSeconds(10));
  }

  @Test
  void anExpiredSessionIsReportedOnBothSidesAndANewOneStarts() {
    SupervisedConnection ws =
        Chaos.supervisor(URI.create("ws://127.0.0.1:" + proxy.port() + "/hold"), 100)
            .heartbeat(
                dev.lifeline.Heartbeat.ping()
                    .interval(Duration.ofSeconds(10))
                    .timeout(Duration.ofSeconds(5)))
            .resume(Resume.defaults())
            .connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      List<Frame> inbound = new CopyOnWriteArrayList<>();
      Disposable reading = ws.inbound().subscribe(inbound::add);
      RealTime.await("the welcome", () -> inbound.size() == 1);

      proxy.blackhole();
      ws.send(Frame.text("into the void")).subscribe(null, e -> {});
      RealTime.await(
          "the session to expire on the server",
          () -> serverEvents.stream().anyMatch(e -> e instanceof ServerEvent.SessionExpired));
      proxy.pass();
      events.await(ConnectionEvent.SessionLost.class, 1);
      RealTime.await("the new session's welcome", () -> inbound.size() == 2);
      reading.dispose();

      ServerEvent.SessionExpired expired =
          serverEvents.stream()
              .filter(ServerEvent.SessionExpired.class::isInstance)
              .map(ServerEvent.SessionExpired.class::cast)
              .findFirst()
              .orElseThrow();
      assertThat(expired.reason()).contains("did not come back within 400 ms");
      // its "welcome" was never acknowledged: the client acknowledges with its next heartbeat
      assertThat(expired.unconfirmedFrames()).isEqualTo(1);
      assertThat(handlerEnds).hasSize(1);
      assertThat(handlerEnds.get(0))
          .isInstanceOf(ResumeSessionExpiredException.class)
          .hasMessageContaining("expired");
      assertThat(events.all(ConnectionEvent.SessionLost.class))
          .singleElement()
          .extracting(ConnectionEvent.SessionLost::unconfirmedFrames)
          .isEqualTo(1L); // "into the void"
      assertThat(events.all(ConnectionEvent.SessionStarted.class)).hasSize(2);
      assertThat(serverEvents.stream().filter(ServerEvent.SessionStarted.class::isInstance))
          .hasSize(2);
    }
  }
}
