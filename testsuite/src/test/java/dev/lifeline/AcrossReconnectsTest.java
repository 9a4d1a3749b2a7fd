package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.support.VirtualClock;
import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * What one supervised inbound stream keeps across the connections behind it: the application's
 * demand, and one retry companion per outage.
 */
class AcrossReconnectsTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void demandOneConnectionDidNotMeetCarriesOverToTheNextExactly() {
    var supervised = clock.connect();

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, 3)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("a")).send(Frame.text("b")))
        .expectNext(Frame.text("a"), Frame.text("b"))
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(5_000))
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(Frame.text("x"))
                    .send(Frame.text("y"))
                    .send(Frame.text("z")))
        // three requested, two delivered by the first connection: the second may deliver one
        .expectNext(Frame.text("x"))
        .expectNoEvent(ms(1_000))
        .thenRequest(2)
        .expectNext(Frame.text("y"), Frame.text("z"))
        .thenCancel()
        .verify();

    assertThat(clock.transport.attempts()).isEqualTo(2);
  }

  @Test
  void retryCompanionLastsOneOutageAndIsCancelledWhenAConnectionProvesAlive() {
    AtomicInteger generated = new AtomicInteger();
    AtomicInteger cancelled = new AtomicInteger();
    Retry perOutage =
        Retry.from(
            signals -> {
              generated.incrementAndGet();
              return signals
                  .concatMap(signal -> Mono.delay(ms(1_000), clock.scheduler))
                  .doOnCancel(cancelled::incrementAndGet);
            });
    var supervised = clock.connect(s -> s.retry(perOutage));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("alive")))
        .expectNext(Frame.text("alive"))
        .then(() -> clock.transport.failNext(new ConnectException("refused")))
        .then(() -> clock.transport.lastPeer().end())
        // outage 1: two failures (the end, then a refused attempt) share one companion
        .thenAwait(ms(2_000))
        .then(() -> assertThat(generated).hasValue(1))
        .then(() -> assertThat(cancelled).hasValue(0))
        .then(() -> clock.transport.lastPeer().send(Frame.text("back")))
        .expectNext(Frame.text("back"))
        // the connection proved alive: the idle companion is gone
        .then(() -> assertThat(cancelled).hasValue(1))
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(1_000))
        .then(() -> assertThat(generated).hasValue(2))
        .thenCancel()
        .verify();

    assertThat(clock.transport.attempts()).isEqualTo(4);
    assertThat(cancelled).hasValue(2);
  }

  @Test
  void transportFailingAtOnceUnderAnImmediateRetryDoesNotGrowTheStack() {
    int attempts = 20_000;
    Transport refusing =
        outbound -> Mono.error(new ConnectException("Connection refused (scripted)"));
    var connection =
        Supervisor.create(refusing)
            .scheduler(clock.scheduler)
            .retry(Retry.max(attempts))
            .connection();

    StepVerifier.create(connection.inbound())
        .expectErrorSatisfies(
            error ->
                assertThat(error)
                    .isInstanceOf(ReconnectsExhaustedException.class)
                    .hasMessageContaining(String.valueOf(attempts)))
        .verify(java.time.Duration.ofSeconds(30));
  }
}
