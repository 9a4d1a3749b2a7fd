package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.support.VirtualClock;
import dev.lifeline.testing.InMemoryTransport.Peer;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.util.retry.Retry;

/**
 * C4: a connection that ends for a retryable reason is followed by a new attempt after {@code D}.
 * Exactly one attempt is in flight at any instant, whatever mix of error and close signals arrived.
 */
class C4OneReconnectAtATimeTest {
  private final VirtualClock clock = new VirtualClock();

  static Stream<Arguments> retryableEnds() {
    return Stream.of(
        Arguments.of(
            "closed by the peer with 1000", (Consumer<Peer>) p -> p.close(1000, "bye"), 1000),
        Arguments.of("closed by the peer with 1001", (Consumer<Peer>) p -> p.close(1001, ""), 1001),
        Arguments.of("closed by the peer with 1011", (Consumer<Peer>) p -> p.close(1011, ""), 1011),
        Arguments.of("closed by the peer with 1012", (Consumer<Peer>) p -> p.close(1012, ""), 1012),
        Arguments.of("closed by the peer with 1013", (Consumer<Peer>) p -> p.close(1013, ""), 1013),
        Arguments.of("closed without a close frame", (Consumer<Peer>) Peer::end, 1006),
        Arguments.of(
            "I/O error", (Consumer<Peer>) p -> p.fail(new IOException("Connection reset")), -1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("retryableEnds")
  void retryableEndIsFollowedByOneAttemptAfterTheDelay(
      String name, Consumer<Peer> end, int closeCode) {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(1_000))
        .then(() -> end.accept(clock.transport.lastPeer()))
        .thenAwait(ms(4_999))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1))
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    Disconnected disconnected = supervised.events().next(Disconnected.class, 1_000);
    if (closeCode > 0) {
      assertThat(disconnected.closeCode()).hasValue(closeCode);
    } else {
      assertThat(disconnected.closeCode()).isEmpty();
    }
    ReconnectScheduled scheduled = supervised.events().next(ReconnectScheduled.class, 1_000);
    assertThat(scheduled.attempt()).isEqualTo(1);
    assertThat(scheduled.delay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(supervised.events().next(Connecting.class, 6_000).attempt()).isEqualTo(1);
    assertThat(supervised.events().next(Connected.class, 6_000).attempt()).isEqualTo(1);
  }

  @ParameterizedTest(name = "refused with {0}")
  @ValueSource(strings = {"connect", "timeout", "503"})
  void failedAttemptIsFollowedByAnotherAfterTheDelay(String kind) {
    Throwable failure =
        switch (kind) {
          case "connect" -> new ConnectException("Connection refused: /127.0.0.1:9");
          case "timeout" -> new TimeoutException("connect timed out");
          default -> new HandshakeException("ws://x/ws", 503, "Service Unavailable");
        };
    clock.transport.refuse(failure);
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(4_999))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1))
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenAwait(ms(4_999))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(3))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    assertThat(supervised.events().next(Disconnected.class, 0).cause()).isSameAs(failure);
  }

  @Test
  void errorAndCloseInTheSameOutageGiveOneAttempt() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              Peer peer = clock.transport.lastPeer();
              // the peer ignores signals after its first, as a closed socket would; the raw case
              // is transportSignallingErrorThenCloseThenErrorAgainGivesOneAttempt
              peer.fail(new IOException("Connection reset"));
              peer.close(1006, "");
              peer.end();
            })
        .thenAwait(ms(5_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenAwait(ms(60_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .then(() -> assertThat(clock.transport.openConnections()).isEqualTo(1))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(Disconnected.class, 0);
    supervised.events().next(ReconnectScheduled.class, 0);
    supervised.events().next(Connecting.class, 5_000);
    supervised.events().next(Connected.class, 5_000);
  }

  @Test
  void heartbeatDeathAndPeerCloseAtTheSameInstantGiveOneAttempt() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(65_000))
        .then(() -> clock.transport.peers().get(0).close(1001, "late goodbye"))
        .thenAwait(ms(5_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenAwait(ms(10_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenCancel()
        .verify();
  }

  @Test
  void neverMoreThanOneConnectionOpenAcrossManyOutages() {
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(100, Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 20; i++) {
                Peer peer = clock.transport.lastPeer();
                peer.fail(new IOException("reset " + i));
                peer.end();
                clock.advance(1_000);
                assertThat(clock.transport.openConnections()).isEqualTo(1);
              }
            })
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(21))
        .thenCancel()
        .verify();
  }

  @Test
  void transportSignallingErrorThenCloseThenErrorAgainGivesOneAttempt() {
    List<TestPublisher<Frame>> inbounds = new CopyOnWriteArrayList<>();
    Transport misbehaving =
        outbound ->
            Mono.fromSupplier(
                () -> {
                  TestPublisher<Frame> inbound =
                      TestPublisher.createNoncompliant(
                          TestPublisher.Violation.CLEANUP_ON_TERMINATE);
                  inbounds.add(inbound);
                  return new Transport.Connection() {
                    @Override
                    public Flux<Frame> inbound() {
                      return inbound.flux();
                    }

                    @Override
                    public Mono<Void> close(Frame.Close frame) {
                      return Mono.empty();
                    }

                    @Override
                    public void dispose() {}
                  };
                });
    var connection = Supervisor.create(misbehaving).scheduler(clock.scheduler).connection();

    StepVerifier.withVirtualTime(connection::inbound, () -> clock.virtualTime, Long.MAX_VALUE)
        .expectSubscription()
        .then(
            () -> {
              // as a browser fires onerror and then onclose, and a socket may report twice
              inbounds.get(0).error(new IOException("Connection reset"));
              inbounds.get(0).complete();
              inbounds.get(0).error(new IOException("Broken pipe"));
            })
        .thenAwait(ms(4_999))
        .then(() -> assertThat(inbounds).hasSize(1))
        .thenAwait(ms(1))
        .then(() -> assertThat(inbounds).hasSize(2))
        .thenAwait(ms(30_000))
        .then(() -> assertThat(inbounds).hasSize(2))
        .thenCancel()
        .verify();
  }
}
