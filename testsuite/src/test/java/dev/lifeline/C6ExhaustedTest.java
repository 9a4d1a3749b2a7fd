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
                        "gave up after 3 reconnect attempts; the last one failed: Connection"
                            + " refused: /127.0.0.1:9 (ConnectException)")
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
            "gave up after 1 reconnect attempt; the last one failed: Connection refused"
                + " (ConnectException)")
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

  @Test
  void theMessageReadsWellForEveryKindOfLastFailure() {
    assertThat(
            new ReconnectsExhaustedException(5, new PeerDeadException(Duration.ofSeconds(5), 1, 3)))
        .hasMessage(
            "gave up after 5 reconnect attempts; the last one failed: no frame from peer within"
                + " 5000 ms after heartbeat #1 (3 answered before): the network or the peer is"
                + " dead");
    assertThat(
            new ReconnectsExhaustedException(
                2, new HandshakeException("ws://example.test/ws", 503, "Service Unavailable")))
        .hasMessageStartingWith(
            "gave up after 2 reconnect attempts; the last one failed: WebSocket handshake with"
                + " ws://example.test/ws failed: server answered HTTP 503 Service Unavailable"
                + " instead of 101 Switching Protocols")
        .hasMessageNotContaining("dev.lifeline")
        .hasMessageNotContaining("HandshakeException");
    assertThat(new ReconnectsExhaustedException(1, new java.util.concurrent.TimeoutException()))
        .hasMessage("gave up after 1 reconnect attempt; the last one failed: TimeoutException");
    assertThat(
            new ReconnectsExhaustedException(
                3, new java.io.IOException("Connection reset by peer")))
        .hasMessage(
            "gave up after 3 reconnect attempts; the last one failed: Connection reset by peer"
                + " (IOException)");
  }
}
