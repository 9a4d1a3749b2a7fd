package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Closed;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.Exhausted;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.support.VirtualClock;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.util.retry.Retry;

/**
 * C6: after {@code N} failed attempts in a row the inbound stream ends with a clear error that
 * names the attempts and the last cause; an event says so first.
 */
class C6ExhaustedTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void givesUpAtTheInstantTheLastAttemptFails() {
    ConnectException refused = new ConnectException("Connection refused: /127.0.0.1:9");
    clock.transport.refuse(refused);
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(3, Duration.ofMillis(200))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .expectNoEvent(ms(599))
        .thenAwait(ms(1))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ReconnectsExhaustedException.class)
                    .hasMessage(
                        "gave up after 3 reconnect attempts; last cause:"
                            + " java.net.ConnectException: Connection refused: /127.0.0.1:9")
                    .hasCause(refused)
                    .extracting(x -> ((ReconnectsExhaustedException) x).attempts())
                    .isEqualTo(3))
        .verify();

    var events = supervised.events();
    events.next(Connecting.class, 0);
    events.next(Disconnected.class, 0);
    for (int attempt = 1; attempt <= 3; attempt++) {
      long t = 200L * attempt;
      assertThat(events.next(ReconnectScheduled.class, t - 200).attempt()).isEqualTo(attempt);
      assertThat(events.next(Connecting.class, t).attempt()).isEqualTo(attempt);
      events.next(Disconnected.class, t);
    }
    Exhausted exhausted = events.next(Exhausted.class, 600);
    assertThat(exhausted.attempts()).isEqualTo(3);
    assertThat(exhausted.cause()).isSameAs(refused);
    assertThat(events.next(Closed.class, 600).cause())
        .isInstanceOf(ReconnectsExhaustedException.class);
    events.assertNoMore();
    assertThat(clock.scheduler.pending()).isZero();
  }

  @Test
  void singleAttemptPolicySaysAttemptInTheSingular() {
    clock.transport.refuse(new ConnectException("Connection refused"));
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(1, Duration.ofMillis(10))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(10))
        .expectErrorMessage(
            "gave up after 1 reconnect attempt; last cause: java.net.ConnectException:"
                + " Connection refused")
        .verify();
  }

  @Test
  void jitteredBackoffReportsTheDelayItChose() {
    clock.transport.refuse(new ConnectException("Connection refused"));
    var supervised =
        clock.connect(
            s ->
                s.retry(
                    Retry.backoff(2, Duration.ofMillis(100))
                        .jitter(0.5)
                        .maxBackoff(Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(10_000))
        .expectError(ReconnectsExhaustedException.class)
        .verify();

    var events = supervised.events();
    events.next(Connecting.class, 0);
    events.next(Disconnected.class, 0);
    ReconnectScheduled first = events.next(ReconnectScheduled.class, 0);
    assertThat(first.delay()).isBetween(ms(50), ms(150));
    Connecting second = events.next(Connecting.class);
    assertThat(second.time()).isEqualTo(java.time.Instant.EPOCH.plus(first.delay()));
  }

  @Test
  void customRetryGetsTheEventWithTheMeasuredDelay() {
    clock.transport.refuse(new ConnectException("Connection refused"));
    Retry custom =
        Retry.from(
            signals ->
                signals.concatMap(
                    s ->
                        s.totalRetries() < 2
                            ? reactor.core.publisher.Mono.delay(ms(700), clock.scheduler)
                            : reactor.core.publisher.Mono.error(s.failure())));
    var supervised = clock.connect(s -> s.retry(custom));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(1_400))
        .expectError(ConnectException.class)
        .verify();

    var events = supervised.events();
    events.next(Connecting.class, 0);
    events.next(Disconnected.class, 0);
    assertThat(events.next(ReconnectScheduled.class, 700).delay()).isEqualTo(ms(700));
    events.next(Connecting.class, 700);
  }

  @Test
  void supervisionHasEndedAndClosedWasEmittedWhenTheApplicationSeesTheError() {
    clock.transport.refuse(new java.net.ConnectException("Connection refused"));
    var connection =
        Supervisor.create(clock.transport)
            .scheduler(clock.scheduler)
            .retry(Retry.max(0))
            .connection();
    java.util.List<ConnectionEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    connection.events().subscribe(seen::add);
    java.util.concurrent.atomic.AtomicReference<String> atError =
        new java.util.concurrent.atomic.AtomicReference<>();

    connection
        .inbound()
        .subscribe(
            frame -> {},
            error ->
                atError.set(
                    connection.isDisposed()
                        + " "
                        + seen.get(seen.size() - 1).getClass().getSimpleName()));

    assertThat(atError).hasValue("true Closed");
  }
}
