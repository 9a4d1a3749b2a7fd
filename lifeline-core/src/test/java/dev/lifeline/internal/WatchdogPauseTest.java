package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * A watchdog whose timeout tick runs far later than it was due (the process was paused, and an
 * answer may wait unread) gives the peer a fresh heartbeat instead of declaring it dead; a tick on
 * time still does. I 1 s, T 500 ms, on a clock the test moves by hand.
 */
class WatchdogPauseTest {
  private final ManualClock clock = new ManualClock();
  private final List<String> owner = new ArrayList<>();
  private final Watchdog watchdog = watchdog(Runnable::run, () -> this.watchdog.tick());

  /** A watchdog on {@link #clock} whose owner records what it is asked into {@link #owner}. */
  private Watchdog watchdog(java.util.concurrent.Executor context, Runnable tick) {
    return new Watchdog(
        clock,
        context,
        tick,
        Heartbeat.ping(),
        Duration.ofSeconds(1),
        Duration.ofMillis(500),
        new Watchdog.Owner() {
          @Override
          public void sendHeartbeat(long sequence, Frame ping) {
            owner.add("heartbeat " + sequence + " at " + clock.millis());
          }

          @Override
          public void heartbeatAnswered(long sequence, Duration roundTrip) {
            owner.add("answered " + sequence);
          }

          @Override
          public boolean reading() {
            return true;
          }

          @Override
          public void dead(long sequence, long answered, int unanswered, Duration silence) {
            owner.add("dead after " + sequence + " at " + clock.millis());
          }

          @Override
          public void unwatchable(java.util.concurrent.RejectedExecutionException refused) {
            owner.add("unwatchable");
          }
        });
  }

  @Test
  void aTimeoutTickRunningSecondsLateProbesAgainInsteadOfDeclaringDeath() {
    watchdog.start();
    clock.fireAt(1_000); // heartbeat 1, its timeout due at 1 500
    clock.fireAt(4_000); // paused: the tick runs 2.5 s late

    assertThat(owner).containsExactly("heartbeat 1 at 1000", "heartbeat 2 at 4000");

    clock.fireAt(4_500); // on time: the peer had its timeout after the fresh heartbeat
    assertThat(owner).last().isEqualTo("dead after 2 at 4500");
  }

  @Test
  void aTimeoutTickLessThanASecondLateStillDeclaresDeath() {
    watchdog.start();
    clock.fireAt(1_000);
    clock.fireAt(2_499); // 999 ms late

    assertThat(owner).containsExactly("heartbeat 1 at 1000", "dead after 1 at 2499");
  }

  @Test
  void aProbeSendsAHeartbeatAtOnceAndTheTimeoutRunsFromThere() {
    watchdog.start();
    clock.advanceTo(300);
    watchdog.probe();
    assertThat(owner).containsExactly("heartbeat 1 at 300");
    assertThat(clock.pending()).as("the interval timer replaced, not doubled").isEqualTo(1);

    watchdog.probe(); // a second suspension while the first probe is within its timeout
    assertThat(owner).hasSize(1);

    clock.fireAt(800);
    assertThat(owner).last().isEqualTo("dead after 1 at 800");
  }

  @Test
  void aTickThatWaitedWhileAProbeReplacedItsTimerStartsNoSecondTimer() {
    List<Runnable> queued = new ArrayList<>();
    Watchdog[] held = new Watchdog[1];
    Watchdog queuing = watchdog(queued::add, () -> held[0].tick()); // ticks wait in a busy context
    held[0] = queuing;
    queuing.start();
    clock.fireAt(1_000); // the interval timer fires; its tick waits in the context
    assertThat(queued).hasSize(1);
    queuing.probe(); // a suspension was noticed first: heartbeat 1, timeout timer at 1 500
    queued.remove(0).run(); // then the stale tick gets in

    assertThat(owner).containsExactly("heartbeat 1 at 1000");
    assertThat(clock.pending()).as("one timer, not two chains").isEqualTo(1);
  }

  /** A scheduler whose clock and timers move only when the test says. */
  private static final class ManualClock implements Scheduler {
    private record Timer(Runnable task, long due, Disposable.Composite handle) {}

    private final List<Timer> timers = new ArrayList<>();
    private long nanos;

    long millis() {
      return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    void advanceTo(long millis) {
      nanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    int pending() {
      timers.removeIf(t -> t.handle.isDisposed());
      return timers.size();
    }

    /** Moves the clock to {@code millis} and runs the timers due by then, however late. */
    void fireAt(long millis) {
      advanceTo(millis);
      for (Timer timer : List.copyOf(timers)) {
        if (timer.due <= nanos && !timer.handle.isDisposed()) {
          timers.remove(timer);
          timer.handle.dispose();
          timer.task.run();
        }
      }
    }

    @Override
    public Disposable schedule(Runnable task) {
      task.run();
      return Disposables.disposed();
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
      Timer timer = new Timer(task, nanos + unit.toNanos(delay), Disposables.composite());
      timers.add(timer);
      return timer.handle;
    }

    @Override
    public long now(TimeUnit unit) {
      return unit.convert(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public Worker createWorker() {
      throw new UnsupportedOperationException();
    }
  }
}
