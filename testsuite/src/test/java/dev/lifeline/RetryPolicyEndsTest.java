package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.support.VirtualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A retry policy whose companion ends right after it fired a reconnect ({@code take(n)}, as the
 * Reactor guide shows): like {@code retryWhen}, supervision ends, and the connection that reconnect
 * opened is closed, not left open behind a finished stream.
 */
class RetryPolicyEndsTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void policyCompletingRightAfterItsLastReconnectClosesThatConnection() {
    var supervised = clock.connect(s -> s.retry(Retry.from(signals -> signals.take(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        // the peer drops the connection: the policy fires its one reconnect, then completes
        .then(() -> clock.transport.lastPeer().end())
        .expectComplete()
        .verify(Duration.ofSeconds(10));

    assertThat(clock.transport.attempts()).isEqualTo(2);
    assertThat(clock.transport.openConnections()).isZero();
    assertThat(clock.transport.lastPeer().closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(clock.scheduler.pending()).isZero();
  }

  @Test
  void policyFailingRightAfterItsLastReconnectClosesThatConnectionAndEndsWithItsError() {
    IllegalStateException policyError = new IllegalStateException("policy says no more");
    var supervised =
        clock.connect(
            s ->
                s.retry(
                    Retry.from(signals -> signals.take(1).concatWith(Mono.error(policyError)))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(policyError))
        .verify(Duration.ofSeconds(10));

    assertThat(clock.transport.openConnections()).isZero();
    assertThat(clock.scheduler.pending()).isZero();
  }
}
