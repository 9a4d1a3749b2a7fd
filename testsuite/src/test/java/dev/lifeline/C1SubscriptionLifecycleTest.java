package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Closed;
import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.support.VirtualClock;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * C1: subscribing opens the connection; cancelling closes it with status 1000 and leaves no timer,
 * task or socket behind. Nothing happens before subscription.
 */
class C1SubscriptionLifecycleTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void nothingHappensBeforeSubscription() {
    var supervised = clock.connect();
    AtomicReference<Throwable> sendResult = new AtomicReference<>();
    supervised.connection().send(Frame.text("early")).subscribe(null, sendResult::set);

    clock.advance(3_600_000);

    assertThat(clock.transport.attempts()).isZero();
    assertThat(clock.scheduler.pending()).isZero();
    assertThat(sendResult).hasValue(null);
    supervised.events().assertNoMore();
  }

  @Test
  void subscribingOpensTheConnectionAtOnce() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              assertThat(clock.transport.attempts()).isEqualTo(1);
              assertThat(clock.transport.lastPeer().isOpen()).isTrue();
            })
        .thenCancel()
        .verify();

    assertThat(supervised.events().next(Connecting.class, 0).attempt()).isZero();
    assertThat(supervised.events().next(Connected.class, 0).attempt()).isZero();
  }

  @Test
  void cancellingClosesWithStatus1000AndLeavesNoTaskBehind() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(30_000))
        .then(() -> assertThat(clock.scheduler.pending()).isEqualTo(1))
        .thenCancel()
        .verify();

    var peer = clock.transport.lastPeer();
    assertThat(peer.isOpen()).isFalse();
    assertThat(peer.closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(clock.scheduler.pending()).isZero();
    assertThat(supervised.connection().isDisposed()).isTrue();
    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    assertThat(supervised.events().next(Closed.class, 30_000).cause()).isNull();
    supervised.events().assertNoMore();

    clock.advance(3_600_000);
    assertThat(clock.transport.attempts()).isEqualTo(1);
  }

  @Test
  void cancellingDuringTheReconnectDelayCancelsThePendingAttempt() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().fail(new IOException("connection reset")))
        .thenAwait(ms(4_999))
        .then(() -> assertThat(clock.scheduler.pending()).isEqualTo(1))
        .thenCancel()
        .verify();

    assertThat(clock.scheduler.pending()).isZero();
    clock.advance(3_600_000);
    assertThat(clock.transport.attempts()).isEqualTo(1);
    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(Disconnected.class, 0);
    supervised.events().next(ReconnectScheduled.class, 0);
    supervised.events().next(Closed.class, 4_999);
    supervised.events().assertNoMore();
  }

  @Test
  void cancellingDuringAHangingHandshakeAbandonsTheAttempt() {
    clock.transport.hang();
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> assertThat(clock.transport.hanging()).isEqualTo(1))
        .thenCancel()
        .verify();

    assertThat(clock.transport.hanging()).isZero();
    assertThat(clock.scheduler.pending()).isZero();
  }

  @Test
  void closeCompletesTheInboundStreamAndClosesWith1000() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(1_000))
        .then(() -> supervised.connection().close().subscribe())
        .verifyComplete();

    assertThat(clock.transport.lastPeer().closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(clock.scheduler.pending()).isZero();
    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(Closed.class, 1_000);
    supervised.events().assertNoMore();
  }

  @Test
  void closeDuringTheReconnectDelayCompletesAtOnce() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(2_000))
        .then(() -> supervised.connection().close().subscribe())
        .verifyComplete();

    assertThat(clock.scheduler.pending()).isZero();
    clock.advance(3_600_000);
    assertThat(clock.transport.attempts()).isEqualTo(1);
  }

  @Test
  void inboundCanBeSubscribedOnlyOnce() {
    var connection = clock.connect().connection();
    connection.inbound().subscribe();

    StepVerifier.create(connection.inbound())
        .expectErrorMessage(
            "inbound() of a SupervisedConnection can be subscribed once and already was;"
                + " use share() or publish() to give it several subscribers")
        .verify();
    connection.dispose();
  }

  @Test
  void closeBeforeSubscriptionMakesInboundCompleteEmpty() {
    var connection = clock.connect().connection();
    connection.close().block(java.time.Duration.ofSeconds(1));

    StepVerifier.create(connection.inbound()).verifyComplete();
    assertThat(clock.transport.attempts()).isZero();
  }

  @Test
  void connectionThatArrivesAfterTheAttemptWasCancelledIsClosed() {
    java.util.concurrent.atomic.AtomicReference<
            reactor.core.publisher.MonoSink<Transport.Connection>>
        pending = new java.util.concurrent.atomic.AtomicReference<>();
    var transport = new dev.lifeline.testing.InMemoryTransport();
    Transport slow = outbound -> reactor.core.publisher.Mono.create(pending::set);
    var connection = Supervisor.create(slow).scheduler(clock.scheduler).connection();
    var subscription = connection.inbound().subscribe();

    subscription.dispose();
    transport.connect(reactor.core.publisher.Flux.never()).subscribe(c -> pending.get().success(c));

    // the handshake completed just after the application gave up: nobody may keep it open
    assertThat(transport.lastPeer().aborted()).isTrue();
  }

  @Test
  void eventsAskedForOnlyAfterSupervisionEndedCompleteAtOnce() {
    var connection = Supervisor.create(clock.transport).scheduler(clock.scheduler).connection();
    connection.close().block(java.time.Duration.ofSeconds(1));

    StepVerifier.create(connection.events()).verifyComplete();
  }

  @Test
  void closeCalledFirstAfterTheRetryPolicyGaveUpCompletesAtOnce() {
    clock.transport.refuse(new java.net.ConnectException("Connection refused"));
    var connection =
        Supervisor.create(clock.transport)
            .scheduler(clock.scheduler)
            .retry(reactor.util.retry.Retry.max(0))
            .connection();
    StepVerifier.create(connection.inbound())
        .expectError(ReconnectsExhaustedException.class)
        .verify();

    assertThat(connection.isDisposed()).isTrue();
    StepVerifier.create(connection.close()).verifyComplete();
  }

  @Test
  void peerErrorStatusCrossingTheApplicationsCloseIsReportedAndNotRetried() {
    reactor.core.publisher.Sinks.Many<Frame> fromPeer =
        reactor.core.publisher.Sinks.many().unicast().onBackpressureBuffer();
    Transport.Connection refusing =
        new Transport.Connection() {
          @Override
          public reactor.core.publisher.Flux<Frame> inbound() {
            return fromPeer.asFlux();
          }

          @Override
          public reactor.core.publisher.Mono<Void> close(Frame.Close frame) {
            // the peer's own close, sent before it read ours
            return reactor.core.publisher.Mono.fromRunnable(
                () -> {
                  fromPeer.tryEmitNext(Frame.close(1008, "not allowed"));
                  fromPeer.tryEmitComplete();
                });
          }

          @Override
          public void dispose() {
            fromPeer.tryEmitComplete();
          }
        };
    java.util.concurrent.atomic.AtomicInteger attempts =
        new java.util.concurrent.atomic.AtomicInteger();
    Transport transport =
        outbound ->
            reactor.core.publisher.Mono.fromSupplier(
                () -> {
                  attempts.incrementAndGet();
                  return refusing;
                });
    var connection = Supervisor.create(transport).scheduler(clock.scheduler).connection();
    var events = new dev.lifeline.support.EventRecorder(connection.events());

    StepVerifier.create(connection.inbound())
        .expectSubscription()
        .then(() -> connection.close().subscribe())
        .verifyComplete();

    events.next(ConnectionEvent.Connecting.class);
    events.next(ConnectionEvent.Connected.class);
    ConnectionEvent.Disconnected refused = events.next(ConnectionEvent.Disconnected.class);
    assertThat(refused.cause())
        .isInstanceOf(ConnectionClosedException.class)
        .hasMessageContaining("1008");
    events.next(ConnectionEvent.Closed.class);
    assertThat(attempts).hasValue(1);
  }
}
