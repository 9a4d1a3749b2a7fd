package dev.lifeline.spring.boot;

import dev.lifeline.ConnectionState;
import dev.lifeline.SupervisedConnection;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.Disposable;

/**
 * One client's health: UP while connected, and while reconnecting for up to {@code downAfter}; DOWN
 * once it has not been connected for longer, or when supervision failed; OUT_OF_SERVICE once the
 * application closed it; UNKNOWN before the application subscribed its {@code inbound()}.
 *
 * <p>State: the time the connection last stopped being connected, written only by the connection's
 * {@code states()} stream (one change at a time) and read by health checks on any thread: a
 * volatile field, for monitoring.
 */
final class ClientHealthIndicator implements HealthIndicator, Disposable {
  private static final long NEVER = Long.MIN_VALUE;

  private final SupervisedConnection connection;
  private final long downAfterNanos;
  private final Duration downAfter;
  private final LongSupplier nanoTime;
  private final Disposable states;
  private volatile long notConnectedSince = NEVER;

  ClientHealthIndicator(
      SupervisedConnection connection, Duration downAfter, LongSupplier nanoTime) {
    this.connection = connection;
    this.downAfter = downAfter;
    this.downAfterNanos = downAfter.toNanos();
    this.nanoTime = nanoTime;
    this.states = connection.states().subscribe(this::changed);
  }

  private void changed(ConnectionState state) {
    if (state == ConnectionState.CONNECTED) {
      notConnectedSince = NEVER;
    } else if (notConnectedSince == NEVER) {
      notConnectedSince = nanoTime.getAsLong();
    }
  }

  @Override
  public Health health() {
    ConnectionState state = connection.state();
    Health.Builder health =
        switch (state) {
          case NEW ->
              Health.unknown().withDetail("reason", "not started: inbound() not subscribed");
          case CONNECTED -> Health.up();
          case CLOSED -> Health.outOfService();
          case FAILED -> Health.down();
          case CONNECTING, WAITING, CLOSING -> notConnected();
        };
    return health
        .withDetail("state", state)
        .withDetail("framesReceived", connection.framesReceived())
        .withDetail("framesSent", connection.framesSent())
        .withDetail("queuedFrames", connection.queuedFrames())
        .build();
  }

  private Health.Builder notConnected() {
    long since = notConnectedSince;
    if (since == NEVER) {
      return Health.up();
    }
    long down = nanoTime.getAsLong() - since;
    Health.Builder health =
        down > downAfterNanos
            ? Health.status(Status.DOWN)
                .withDetail(
                    "reason",
                    "not connected for more than lifeline.health.down-after ("
                        + downAfter.toMillis()
                        + " ms)")
            : Health.up();
    return health.withDetail("notConnectedForMillis", Duration.ofNanos(down).toMillis());
  }

  @Override
  public void dispose() {
    states.dispose();
  }

  @Override
  public boolean isDisposed() {
    return states.isDisposed();
  }
}
