package dev.lifeline.support;

import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.testing.InMemoryTransport;
import java.util.function.UnaryOperator;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * One test's world on virtual time: a virtual scheduler (tracked, to prove no task is left behind),
 * an in-memory transport, and a supervised connection over it with its event recorder.
 */
public final class VirtualClock {
  public final VirtualTimeScheduler virtualTime = VirtualTimeScheduler.create();
  public final TrackingScheduler scheduler = new TrackingScheduler(virtualTime);
  public final InMemoryTransport transport = new InMemoryTransport();

  /** A supervised connection with the given configuration, its events recorded. */
  public Supervised connect(UnaryOperator<Supervisor> configuration) {
    SupervisedConnection connection =
        configuration.apply(Supervisor.create(transport).scheduler(scheduler)).connection();
    return new Supervised(connection, new EventRecorder(connection.events()));
  }

  /** A supervised connection with the seed's defaults. */
  public Supervised connect() {
    return connect(UnaryOperator.identity());
  }

  /**
   * A virtual-time verification of {@code supervised}'s inbound stream: subscribing starts it,
   * {@code thenAwait} advances this clock.
   */
  public StepVerifier.FirstStep<Frame> verifyInbound(Supervised supervised) {
    return StepVerifier.withVirtualTime(
        () -> supervised.connection().inbound(), () -> virtualTime, Long.MAX_VALUE);
  }

  /** Advances virtual time by {@code millis}. */
  public void advance(long millis) {
    virtualTime.advanceTimeBy(java.time.Duration.ofMillis(millis));
  }

  /** Advances virtual time to {@code millis} after the epoch. */
  public void advanceTo(long millis) {
    virtualTime.advanceTimeTo(EventRecorder.at(millis));
  }

  /** Virtual time now, in milliseconds. */
  public long now() {
    return virtualTime.now(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** A supervised connection and its events. */
  public record Supervised(SupervisedConnection connection, EventRecorder events) {}
}
