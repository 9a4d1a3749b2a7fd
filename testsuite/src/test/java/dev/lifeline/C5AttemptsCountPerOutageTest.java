package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Exhausted;
import dev.lifeline.support.VirtualClock;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.util.retry.Retry;

/**
 * C5: the attempt count resets once a connection is established, so {@code N} bounds each outage,
 * not the process's lifetime. A connection counts as established when the peer's first frame
 * arrives on it.
 */
class C5AttemptsCountPerOutageTest {
  private final VirtualClock clock = new VirtualClock();
  private static final ConnectException REFUSED = new ConnectException("Connection refused");

  /** Four refused attempts, then a connection that proves alive with a frame. */
  private void outageOfFourFailures() {
    clock.transport.lastPeer().end();
    clock.transport.refuse(REFUSED);
    clock.advance(5_000 * 4);
    clock.transport.accept();
    clock.advance(5_000);
    clock.transport.lastPeer().send(Frame.text("back"));
  }

  @Test
  void countStartsAgainAfterASuccessfulReconnect() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("hello")))
        .expectNext(Frame.text("hello"))
        // six outages of five attempts each: the seed never reset its counter and gave up here
        .then(
            () -> {
              for (int outage = 0; outage < 6; outage++) {
                outageOfFourFailures();
              }
            })
        .expectNextCount(6)
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1 + 6 * 5))
        .thenCancel()
        .verify();

    // one accepted connection per outage plus the first, each proven alive by a frame
    assertThat(clock.transport.peers()).hasSize(7);
    assertThat(supervised.events().remaining()).noneMatch(Exhausted.class::isInstance);
  }

  @Test
  void attemptNumbersRestartAtOneInEachOutage() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("hello")))
        .expectNext(Frame.text("hello"))
        .then(this::outageOfFourFailures)
        .then(this::outageOfFourFailures)
        .expectNextCount(2)
        .thenCancel()
        .verify();

    int[] attempts = new int[11];
    for (int i = 0; i < 11; i++) {
      attempts[i] = supervised.events().nextSkippingOthers(Connecting.class).attempt();
    }
    assertThat(attempts).containsExactly(0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5);
  }

  @Test
  void connectionThatNeverDeliversAFrameDoesNotResetTheCount() {
    // a flapping server: accepts the upgrade, then closes at once, forever
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(5, Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 6; i++) {
                clock.transport.lastPeer().close(1001, "going away");
                clock.advance(1_000);
              }
            })
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ReconnectsExhaustedException.class)
                    .hasMessage(
                        "gave up after 5 reconnect attempts; the last one failed: peer closed"
                            + " the connection with status 1001 (going away): \"going away\""))
        .verify();

    assertThat(clock.transport.attempts()).isEqualTo(6);
    assertThat(supervised.events().nextSkippingOthers(Exhausted.class).attempts()).isEqualTo(5);
  }

  @Test
  void answeredHeartbeatAloneEstablishesTheConnection() {
    var supervised =
        clock.connect(
            s ->
                s.heartbeat(Heartbeat.ping().interval(Duration.ofSeconds(1)))
                    .retry(Retry.fixedDelay(1, Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(1_000))
        // the reconnect's only frame is the pong to its heartbeat
        .thenAwait(ms(1_000))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(1_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(3))
        .then(() -> clock.transport.lastPeer().end())
        .expectError(ReconnectsExhaustedException.class)
        .verify();
  }

  @Test
  void connectionThePeerClosesAfterStayingOpenForTheTimeoutCountsAsEstablished() {
    // a quiet feed behind a proxy that closes idle connections: no frame ever, but no flapping
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(2, Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 10; i++) {
                clock.advance(5_000);
                clock.transport.lastPeer().close(1000, "idle");
                clock.advance(1_000);
              }
            })
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(11))
        .thenCancel()
        .verify();
  }

  @Test
  void connectionThePeerClosesBeforeTheTimeoutIsAFailedAttempt() {
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(2, Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 3; i++) {
                clock.advance(4_999);
                clock.transport.lastPeer().close(1000, "idle");
                clock.advance(1_000);
              }
            })
        .expectError(ReconnectsExhaustedException.class)
        .verify();
    assertThat(clock.transport.attempts()).isEqualTo(3);
  }

  @Test
  void connectionTheWatchdogFoundDeadNeverCountsAsEstablished() {
    // a server that accepts the upgrade and then never sends anything: dead at I + T each time
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(2, Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(3 * 65_000 + 2 * 1_000))
        .expectError(ReconnectsExhaustedException.class)
        .verify();
    assertThat(clock.transport.attempts()).isEqualTo(3);
  }
}
