package dev.lifeline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionState;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.testing.InMemoryTransport;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.retry.Retry;

/** The client health rule, to the millisecond on virtual time against the in-memory transport. */
class ClientHealthIndicatorTest {
  private static final Duration DOWN_AFTER = Duration.ofSeconds(30);

  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final InMemoryTransport transport = new InMemoryTransport();
  private Disposable inbound;

  @AfterEach
  void tearDown() {
    if (inbound != null) {
      inbound.dispose();
    }
    vts.dispose();
  }

  private SupervisedConnection connection(Retry retry) {
    return Supervisor.create(transport).scheduler(vts).retry(retry).name("orders").connection();
  }

  private ClientHealthIndicator indicator(SupervisedConnection connection) {
    return new ClientHealthIndicator(connection, DOWN_AFTER, () -> vts.now(TimeUnit.NANOSECONDS));
  }

  @Test
  void newClientIsUnknownUntilItsInboundIsSubscribed() {
    SupervisedConnection connection = connection(Retry.fixedDelay(1, Duration.ofSeconds(5)));
    Health health = indicator(connection).health();

    assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
    assertThat(health.getDetails())
        .containsEntry("state", ConnectionState.NEW)
        .containsEntry("reason", "not started: inbound() not subscribed");
  }

  @Test
  void reconnectingClientStaysUpForDownAfterAndIsDownOneMillisecondLater() {
    SupervisedConnection connection = connection(Retry.fixedDelay(100, Duration.ofSeconds(5)));
    ClientHealthIndicator indicator = indicator(connection);
    inbound = connection.inbound().subscribe(frame -> {}, error -> {});
    vts.advanceTime();
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    assertThat(indicator.health().getDetails()).containsEntry("state", ConnectionState.CONNECTED);

    // the server goes away: every attempt is refused from now on
    transport.refuse(new ConnectException("refused"));
    transport.lastPeer().end();
    vts.advanceTime();
    assertThat(connection.state()).isEqualTo(ConnectionState.WAITING);
    vts.advanceTimeBy(DOWN_AFTER);
    Health atLimit = indicator.health();
    assertThat(atLimit.getStatus()).isEqualTo(Status.UP);
    assertThat(atLimit.getDetails()).containsEntry("notConnectedForMillis", 30_000L);

    vts.advanceTimeBy(Duration.ofMillis(1));
    Health past = indicator.health();
    assertThat(past.getStatus()).isEqualTo(Status.DOWN);
    assertThat(past.getDetails())
        .containsEntry("notConnectedForMillis", 30_001L)
        .containsEntry(
            "reason", "not connected for more than lifeline.health.down-after (30000 ms)");

    // the server is back: the next attempt connects and the client is up again at once
    transport.accept();
    vts.advanceTimeBy(Duration.ofSeconds(5));
    assertThat(connection.state()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    assertThat(indicator.health().getDetails()).doesNotContainKey("notConnectedForMillis");
  }

  @Test
  void exhaustedClientIsDownAndClosedClientIsOutOfService() {
    SupervisedConnection failing = connection(Retry.fixedDelay(1, Duration.ofSeconds(5)));
    ClientHealthIndicator failingHealth = indicator(failing);
    transport.refuse(new ConnectException("refused"));
    failing.inbound().subscribe(frame -> {}, error -> {});
    vts.advanceTimeBy(Duration.ofSeconds(5));
    assertThat(failing.state()).isEqualTo(ConnectionState.FAILED);
    assertThat(failingHealth.health().getStatus()).isEqualTo(Status.DOWN);

    transport.accept();
    SupervisedConnection closed = connection(Retry.fixedDelay(1, Duration.ofSeconds(5)));
    ClientHealthIndicator closedHealth = indicator(closed);
    inbound = closed.inbound().subscribe(frame -> {}, error -> {});
    vts.advanceTime();
    closed.close().subscribe();
    transport.lastPeer().close(1000, "");
    vts.advanceTime();
    assertThat(closed.state()).isEqualTo(ConnectionState.CLOSED);
    assertThat(closedHealth.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
  }
}
