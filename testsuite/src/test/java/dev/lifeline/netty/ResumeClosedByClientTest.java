package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A close by the client's application ends its resume session on the server (the protocol's rule
 * 6.4): the server's handler sees its inbound complete, the session is gone at once, and nothing is
 * reported lost, where a connection that merely broke leaves the session waiting. Real sockets.
 */
class ResumeClosedByClientTest {

  @Test
  void aClientsCloseEndsItsSessionAtOnceWithoutAnExpiry() throws Exception {
    List<ServerEvent> events = new CopyOnWriteArrayList<>();
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(Resume.defaults()).build();
    Disposable listening = supervisor.events().subscribe(events::add);
    CompletableFuture<Boolean> inboundCompleted = new CompletableFuture<>();
    try (TestServer server =
        TestServer.start(
            0,
            routes ->
                routes.get(
                    "/ws",
                    supervisor.upgrade(
                        c ->
                            c.send(
                                c.inbound()
                                    .doOnComplete(() -> inboundCompleted.complete(true))))))) {
      SupervisedConnection client =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
              .resume(Resume.defaults())
              .connection();
      try (EventRecorder clientEvents = new EventRecorder(client.events())) {
        List<Frame> echoed = new CopyOnWriteArrayList<>();
        client.inbound().subscribe(echoed::add, e -> {});
        clientEvents.await(ConnectionEvent.SessionStarted.class, 1);
        client.send(Frame.text("one")).block(Duration.ofSeconds(10));
        RealTime.await("the echo", () -> echoed.size() == 1);
        assertThat(supervisor.sessions()).isEqualTo(1);

        client.close().block(Duration.ofSeconds(10));

        assertThat(inboundCompleted.get(10, TimeUnit.SECONDS)).isTrue();
        RealTime.await("the session gone", () -> supervisor.sessions() == 0);
        assertThat(events)
            .filteredOn(ServerEvent.ClientClosed.class::isInstance)
            .singleElement()
            .extracting(e -> ((ServerEvent.ClientClosed) e).code())
            .isEqualTo(1000);
        assertThat(events).noneMatch(ServerEvent.SessionExpired.class::isInstance);
      }
    } finally {
      listening.dispose();
    }
  }
}
