package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.support.VirtualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * {@link SupervisedConnection#state()} and {@link SupervisedConnection#states()} follow the
 * connection through its life, on virtual time, with the seed's timings (I 60 s, T 5 s, D 5 s).
 */
class ConnectionStateTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void statesFollowAConnectionThroughAnOutageAndAClose() {
    var supervised = clock.connect();
    SupervisedConnection connection = supervised.connection();
    List<ConnectionState> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean completed = new AtomicBoolean();
    connection.states().subscribe(seen::add, e -> {}, () -> completed.set(true));
    assertThat(connection.state()).isEqualTo(ConnectionState.NEW);

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(1_000))
        .then(() -> assertThat(connection.state()).isEqualTo(ConnectionState.CONNECTED))
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> assertThat(connection.state()).isEqualTo(ConnectionState.WAITING))
        .thenAwait(ms(4_999))
        .then(() -> assertThat(connection.state()).isEqualTo(ConnectionState.WAITING))
        .thenAwait(ms(1))
        .then(() -> assertThat(connection.state()).isEqualTo(ConnectionState.CONNECTED))
        // the in-memory peer answers the close frame at once: CLOSING, then CLOSED
        .then(() -> connection.close().subscribe())
        .verifyComplete();

    assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
    assertThat(seen)
        .containsExactly(
            ConnectionState.NEW,
            ConnectionState.CONNECTING,
            ConnectionState.CONNECTED,
            ConnectionState.WAITING,
            ConnectionState.CONNECTING,
            ConnectionState.CONNECTED,
            ConnectionState.CLOSING,
            ConnectionState.CLOSED);
    assertThat(completed).isTrue();
  }

  @Test
  void aHandshakeUnderWayIsConnecting() {
    clock.transport.hang();
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(1_000))
        .then(
            () -> assertThat(supervised.connection().state()).isEqualTo(ConnectionState.CONNECTING))
        .thenCancel()
        .verify();

    assertThat(supervised.connection().state()).isEqualTo(ConnectionState.CLOSED);
  }

  @Test
  void exhaustedRetriesEndInFailed() {
    clock.transport.refuse(new IOException("connection refused"));
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(2, Duration.ofSeconds(5))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> assertThat(supervised.connection().state()).isEqualTo(ConnectionState.WAITING))
        .thenAwait(ms(10_000))
        .expectError(ReconnectsExhaustedException.class)
        .verify();

    assertThat(supervised.connection().state()).isEqualTo(ConnectionState.FAILED);
    assertThat(supervised.connection().state().isTerminal()).isTrue();
    StepVerifier.create(supervised.connection().states())
        .expectNext(ConnectionState.FAILED)
        .verifyComplete();
  }

  @Test
  void aLateSubscriberGetsTheStateNowThenOnlyChanges() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(1_000))
        .then(
            () ->
                StepVerifier.create(supervised.connection().states())
                    .expectNext(ConnectionState.CONNECTED)
                    // a heartbeat and its answer change nothing
                    .then(() -> clock.advance(60_000))
                    .then(() -> clock.transport.lastPeer().send(Frame.pong()))
                    .then(() -> supervised.connection().close().subscribe())
                    .expectNext(ConnectionState.CLOSING)
                    .then(() -> clock.transport.lastPeer().close(1000, ""))
                    .expectNext(ConnectionState.CLOSED)
                    .verifyComplete())
        .verifyComplete();
  }

  @Test
  void closedBeforeSubscriptionIsClosedAtOnce() {
    var supervised = clock.connect();
    supervised.connection().close().block(Duration.ofSeconds(5));

    assertThat(supervised.connection().state()).isEqualTo(ConnectionState.CLOSED);
    StepVerifier.create(supervised.connection().states())
        .expectNext(ConnectionState.CLOSED)
        .verifyComplete();
  }
}
