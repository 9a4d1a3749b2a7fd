package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.testing.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A scheduler that refuses the heartbeat timer (disposed, its executor shut down) must not leave
 * the connection running unwatched, where a dead network would never be noticed: the connection is
 * closed with an error that says why, and supervision ends loudly when retrying cannot schedule
 * either.
 */
class TimersRefusedTest {

  /** A virtual-time scheduler that refuses every task once told to, as a disposed one does. */
  private static final class Refusing implements Scheduler {
    final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    volatile boolean refusing;

    private void check() {
      if (refusing) {
        throw new RejectedExecutionException("scheduler disposed");
      }
    }

    @Override
    public Disposable schedule(Runnable task) {
      check();
      return time.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
      check();
      return time.schedule(task, delay, unit);
    }

    @Override
    public long now(TimeUnit unit) {
      return time.now(unit);
    }

    @Override
    public Worker createWorker() {
      return time.createWorker();
    }

    @Override
    public String toString() {
      return "Refusing";
    }
  }

  @Test
  void aConnectionWhoseHeartbeatTimerIsRefusedIsClosedAndSupervisionFailsLoudly() {
    Refusing scheduler = new Refusing();
    InMemoryTransport transport = new InMemoryTransport();
    SupervisedConnection connection =
        Supervisor.create(transport).scheduler(scheduler).name("orders").connection();
    List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
    connection.events().subscribe(events::add);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    connection.inbound().subscribe(frame -> {}, failure::set);
    scheduler.time.advanceTime();
    assertThat(connection.state()).isEqualTo(ConnectionState.CONNECTED);

    // the scheduler goes away; the heartbeat tick already scheduled still fires at 60 s and must
    // schedule its timeout
    scheduler.refusing = true;
    scheduler.time.advanceTimeBy(Duration.ofSeconds(60));

    assertThat(transport.lastPeer().aborted()).as("the unwatched connection is closed").isTrue();
    ConnectionEvent.Disconnected disconnected =
        events.stream()
            .filter(ConnectionEvent.Disconnected.class::isInstance)
            .map(ConnectionEvent.Disconnected.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(disconnected.cause())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "the timer scheduler Refusing refused the heartbeat timer (scheduler disposed): a"
                + " connection no heartbeat watches could die unnoticed, so it was closed. Give"
                + " Supervisor.scheduler(..) a scheduler that is not disposed while connections"
                + " run")
        .hasCauseInstanceOf(RejectedExecutionException.class);
    // the reconnect's delay cannot be scheduled either: supervision ends, with the refusal
    assertThat(connection.state()).isEqualTo(ConnectionState.FAILED);
    assertThat(failure.get()).isNotNull();
    assertThat(failure.get()).hasRootCauseInstanceOf(RejectedExecutionException.class);
  }
}
