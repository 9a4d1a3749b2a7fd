package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Exhausted;
import dev.lifeline.ReconnectsExhaustedException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.support.EventRecorder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/**
 * Chaos row: a server that accepts every upgrade and closes at once, forever. A connection counts
 * as established for the attempt count (C5) only once the peer sent it a frame, so handshakes alone
 * never reset the count and the retries run out.
 */
class FlappingServerTest {

  private static final int RETRIES = 3;

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void aServerThatClosesEveryConnectionAtOnceExhaustsTheRetriesInsteadOfLoopingForever() {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/flap"), RETRIES).connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      long start = System.nanoTime();
      AtomicReference<Throwable> failure = new AtomicReference<>();

      StepVerifier.create(ws.inbound())
          .expectErrorSatisfies(
              error -> {
                failure.set(error);
                assertThat(error).isInstanceOf(ReconnectsExhaustedException.class);
                assertThat(error.getCause()).isInstanceOf(ConnectionClosedException.class);
                assertThat(((ConnectionClosedException) error.getCause()).code()).isEqualTo(1000);
              })
          .verify(Chaos.PATIENCE);
      long elapsedMillis = Chaos.millisSince(start);

      Exhausted exhausted = events.await(Exhausted.class, 1);
      assertThat(exhausted.attempts()).isEqualTo(RETRIES);
      // every handshake succeeded, and yet the count was never reset: 1 + RETRIES, no more
      assertThat(events.count(Connected.class)).isEqualTo(1 + RETRIES);
      assertThat(network.server().upgrades()).isEqualTo(1 + RETRIES);
      assertThat(network.proxy().accepted()).isEqualTo(1 + RETRIES);
      assertThat(elapsedMillis).isGreaterThanOrEqualTo(Chaos.D.multipliedBy(RETRIES).toMillis());
      Chaos.report(
          "flapping server",
          (1 + RETRIES)
              + " connections then exhausted after "
              + elapsedMillis
              + " ms: "
              + failure.get().getMessage());
    } finally {
      ws.close().block(Duration.ofSeconds(10));
    }
  }
}
