package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** How the client transport's connections end: the peer's close, ours, a cancel. Real sockets. */
class WebSocketTransportCloseTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  private static void await(BooleanSupplier condition) {
    WebSocketTransportTest.await(condition);
  }

  @Test
  void withoutDemandThePeersCloseCompletesTheFramesAtOnceAndIsReportedAside() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    // the server sends once the client asks: frames that arrive before inbound() is subscribed
    // are dropped by Reactor Netty if the channel closes first
    TestServer server =
        closeLater(
            TestServer.start(
                0,
                routes ->
                    routes.ws(
                        "/ws",
                        supervisor.handler(
                            c ->
                                c.inbound()
                                    .next()
                                    .then(c.send(Flux.just(Frame.text("one"), Frame.text("two"))))
                                    .then(c.close(4000, "bye"))))));
    Sinks.Many<Frame> outbound = Sinks.many().unicast().onBackpressureBuffer();
    Transport.Connection connection =
        WebSocketTransport.create(server.uri("/ws")).connect(outbound.asFlux()).block(WAIT);

    StepVerifier.create(connection.inbound(), 1)
        .then(() -> outbound.tryEmitNext(Frame.text("go")))
        .expectNext(Frame.text("one"))
        .thenRequest(1)
        .expectNext(Frame.text("two"))
        // no demand when the peer's close arrives: the frames complete without waiting for it,
        // and the status is reported aside, so the supervisor learns of the end at once
        .expectComplete()
        .verify(WAIT);
    assertThat(connection.peerClose()).isEqualTo(Frame.close(4000, "bye"));
  }

  @Test
  void peerCloseWithStatusIsEmittedBeforeInboundCompletes() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    TestServer server =
        closeLater(
            TestServer.start(
                0, routes -> routes.ws("/ws", supervisor.handler(c -> c.close(4000, "bye")))));
    Transport.Connection connection =
        WebSocketTransport.create(server.uri("/ws")).connect(Flux.never()).block(WAIT);

    StepVerifier.create(connection.inbound())
        .expectNext(Frame.close(4000, "bye"))
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void cancellingTheFramesAfterThePeersCloseHasDeregisteredTheChannelDoesNotThrow() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    TestServer server =
        closeLater(
            TestServer.start(
                0, routes -> routes.ws("/ws", supervisor.handler(c -> c.close(4000, "bye")))));
    Transport.Connection connection =
        WebSocketTransport.create(server.uri("/ws")).connect(Flux.never()).block(WAIT);
    AtomicReference<Subscription> subscription = new AtomicReference<>();
    AtomicBoolean completed = new AtomicBoolean();
    connection
        .inbound()
        .subscribe(
            new CoreSubscriber<Frame>() {
              @Override
              public void onSubscribe(Subscription s) {
                subscription.set(s); // kept, to cancel after the end (RS rule 3.7 allows it)
              }

              @Override
              public void onNext(Frame frame) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onComplete() {
                completed.set(true);
              }
            });
    await(completed::get);
    // the channel closed and left its event loop: a cancel must not ask the channel for its loop
    // (it threw "channel not registered to an event loop" inside the supervisor's mailbox)
    await(() -> !((WebSocketConnection) connection).registered());

    subscription.get().cancel();

    assertThat(connection.isDisposed()).isTrue();
    assertThat(connection.peerClose()).isEqualTo(Frame.close(4000, "bye"));
  }

  @Test
  void closeSendsTheCloseFrameAndDisposeDoesNot() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    Flux<ServerEvent> serverEvents = supervisor.events().replay().autoConnect(0);
    TestServer server = closeLater(TestServer.echo(supervisor));
    WebSocketTransport transport = WebSocketTransport.create(server.uri("/ws"));

    Transport.Connection closed = transport.connect(Flux.never()).block(WAIT);
    StepVerifier.create(closed.inbound())
        .then(() -> closed.close(Frame.close(1000, "done")).subscribe())
        .expectComplete()
        .verify(WAIT);
    Transport.Connection aborted = transport.connect(Flux.never()).block(WAIT);
    StepVerifier.create(aborted.inbound()).then(aborted::dispose).expectComplete().verify(WAIT);

    assertThat(
            serverEvents.ofType(ServerEvent.ClientClosed.class).take(2).collectList().block(WAIT))
        .extracting(ServerEvent.ClientClosed::code, ServerEvent.ClientClosed::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1000, "done"),
            org.assertj.core.groups.Tuple.tuple(1006, ""));
  }
}
