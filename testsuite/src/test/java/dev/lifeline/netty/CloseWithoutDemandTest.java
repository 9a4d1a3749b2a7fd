package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.ConnectionState;
import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code close()} completes promptly although the application requested no inbound frame: the
 * connection reads on to the server's answering close instead of waiting out the 5 s close timeout,
 * and the frames read on the way are held, not lost: the application still gets them, then the
 * completion. Real sockets; generous bounds.
 */
class CloseWithoutDemandTest {

  @Test
  void closeCompletesWithoutDemandAndTheFramesReadOnTheWayStillArrive() throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server =
        TestServer.start(
            0,
            routes ->
                routes.get(
                    "/ws",
                    supervisor.upgrade(
                        c ->
                            c.send(Flux.just("one", "two", "three").map(Frame::text))
                                .then(Mono.never()))))) {
      SupervisedConnection connection =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws"))).connection();
      List<Frame> received = new CopyOnWriteArrayList<>();
      AtomicBoolean completed = new AtomicBoolean();
      BaseSubscriber<Frame> idle =
          new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
              // requests nothing yet
            }

            @Override
            protected void hookOnNext(Frame frame) {
              received.add(frame);
            }

            @Override
            protected void hookOnComplete() {
              completed.set(true);
            }
          };
      try (EventRecorder events = new EventRecorder(connection.events())) {
        connection.inbound().subscribe(idle);
        events.await(ConnectionEvent.Connected.class, 1);
        RealTime.sleep(Duration.ofMillis(300)); // the server's frames wait in the socket

        long start = System.nanoTime();
        connection.close().block(Duration.ofSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).as("was the 5 s close timeout").isLessThan(Duration.ofSeconds(3));
        assertThat(received).isEmpty();
        assertThat(completed).as("not before the held frames").isFalse();

        idle.request(10);
        RealTime.await("the held frames and the completion", completed::get);
        assertThat(received)
            .containsExactly(Frame.text("one"), Frame.text("two"), Frame.text("three"));
        assertThat(events.all(ConnectionEvent.Closed.class)).hasSize(1);
      }
    }
  }

  @Test
  void cancellingAfterThePeerClosedWhileNothingWasRequestedEndsSupervisionAndCloseCompletes()
      throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    List<ServerEvent> serverEvents = new CopyOnWriteArrayList<>();
    supervisor.events().subscribe(serverEvents::add);
    try (TestServer server =
        TestServer.start(
            0, routes -> routes.get("/ws", supervisor.upgrade(c -> c.close(1001, "bye"))))) {
      SupervisedConnection connection =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws"))).connection();
      BaseSubscriber<Frame> idle =
          new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
              // requests nothing: the server's close waits for demand in the transport
            }
          };
      try (EventRecorder events = new EventRecorder(connection.events())) {
        connection.inbound().subscribe(idle);
        RealTime.await(
            "the server's close",
            () -> serverEvents.stream().anyMatch(ServerEvent.ClientClosed.class::isInstance));
        RealTime.sleep(Duration.ofMillis(200)); // the client's channel closes and deregisters

        // before the fix, the cancel threw inside the connection's mailbox ("channel not
        // registered to an event loop"), supervision never ended, and close() waited forever
        idle.cancel();
        connection.close().block(Duration.ofSeconds(10));

        events.await(ConnectionEvent.Closed.class, 1);
        assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
      }
    }
  }

  @Test
  void thePeersCloseReachesTheSupervisorWithoutDemandAndItReconnects() throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server =
        TestServer.start(
            0, routes -> routes.get("/ws", supervisor.upgrade(c -> c.close(4000, "bye"))))) {
      SupervisedConnection connection =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
              .retry(reactor.util.retry.Retry.fixedDelay(1, Duration.ofMillis(100)))
              .connection();
      BaseSubscriber<Frame> idle =
          new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
              // requests nothing, ever
            }
          };
      try (EventRecorder events = new EventRecorder(connection.events())) {
        connection.inbound().subscribe(idle);

        // before, the close frame waited in the transport for demand that never came: no
        // Disconnected, no reconnect, the connection CONNECTED to a closed socket
        ConnectionEvent.Disconnected disconnected =
            events.await(ConnectionEvent.Disconnected.class, 1);
        assertThat(disconnected.cause())
            .isInstanceOf(dev.lifeline.ConnectionClosedException.class)
            .hasMessageContaining("4000")
            .hasMessageContaining("bye");
        events.await(ConnectionEvent.Connecting.class, 2); // the reconnect
        idle.cancel();
        connection.close().block(Duration.ofSeconds(10));
      }
    }
  }
}
