package dev.lifeline.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * Notices that the process or the machine was suspended, for every live connection at once: one
 * periodic check per JVM, not a timer per connection.
 *
 * <p>Each connection's scheduler has two clocks: {@code now(MILLISECONDS)}, the wall clock, and
 * {@code now(NANOSECONDS)}, monotonic. On Linux the monotonic clock stops while the machine sleeps
 * and the wall clock does not, so after a sleep the wall clock has moved further; after the process
 * was paused (SIGSTOP, a VM paused or migrated, a long GC) both moved, but the check itself ran
 * late (measured on the ticker's own clock). Either by more than {@code threshold} is a suspension,
 * and every connection on that scheduler is probed: it sends a heartbeat at once instead of waiting
 * out its interval (its watchdog then gives the peer its timeout). A virtual-time scheduler's two
 * clocks are one, so it never sees a suspension here; tests use their own clocks and call {@link
 * #check()}.
 *
 * <p><b>One guard with plain fields</b> (OkHttp's way): {@code this}, held to update the groups and
 * during a check's arithmetic, never while a probe runs (each probe only hops into its connection's
 * own serial context). The periodic task runs while any connection is registered, and is cancelled
 * when the last one goes.
 */
public final class SuspendDetector {

  /** How often the shared detector checks the clocks: every second. */
  static final Duration PERIOD = Duration.ofSeconds(1);

  /** How far the clocks may disagree, or a check run late, before it is a suspension: 2 s. */
  static final Duration THRESHOLD = Duration.ofSeconds(2);

  private static final SuspendDetector SHARED =
      new SuspendDetector(Schedulers::parallel, PERIOD, THRESHOLD);

  /**
   * Where the periodic check runs: looked up when it starts, so a reset of Reactor's schedulers is
   * seen.
   */
  private final Supplier<Scheduler> ticker;

  private final long periodNanos;
  private final long thresholdNanos;

  // guarded by this
  private final Map<Scheduler, Group> groups = new IdentityHashMap<>();
  private Disposable ticking;

  /** The ticker's monotonic clock at the last check: a check that ran late is a pause. */
  private long lastCheckNanos;

  /** The connections of one scheduler, and its clocks at the last check. */
  private static final class Group {
    final Set<Runnable> probes = new LinkedHashSet<>();
    long wallMillis;
    long monoNanos;
  }

  /**
   * @param ticker runs the periodic check; null for none (a test calls {@link #check()})
   */
  public SuspendDetector(Scheduler ticker, Duration period, Duration threshold) {
    this(ticker == null ? null : () -> ticker, period, threshold);
  }

  private SuspendDetector(Supplier<Scheduler> ticker, Duration period, Duration threshold) {
    this.ticker = ticker;
    this.periodNanos = period.toNanos();
    this.thresholdNanos = threshold.toNanos();
  }

  /** The JVM's detector: a check every second on Reactor's parallel scheduler. */
  public static SuspendDetector shared() {
    return SHARED;
  }

  /**
   * Registers a live connection whose timers run on {@code clock}: {@code probe} runs (on the
   * detector's thread; it must only hand the work to its connection's context) after each
   * suspension. Disposing the result unregisters it.
   */
  public Disposable watch(Scheduler clock, Runnable probe) {
    synchronized (this) {
      Group group = groups.get(clock);
      if (group == null) {
        group = new Group();
        group.wallMillis = clock.now(TimeUnit.MILLISECONDS);
        group.monoNanos = clock.now(TimeUnit.NANOSECONDS);
        groups.put(clock, group);
      }
      group.probes.add(probe);
      if (ticking == null && ticker != null) {
        Scheduler on = ticker.get();
        lastCheckNanos = on.now(TimeUnit.NANOSECONDS);
        ticking =
            on.schedulePeriodically(this::check, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
      }
    }
    return () -> unwatch(clock, probe);
  }

  private synchronized void unwatch(Scheduler clock, Runnable probe) {
    Group group = groups.get(clock);
    if (group == null || !group.probes.remove(probe)) {
      return;
    }
    if (group.probes.isEmpty()) {
      groups.remove(clock);
    }
    if (groups.isEmpty() && ticking != null) {
      ticking.dispose();
      ticking = null;
    }
  }

  /** Whether a connection is registered: for tests of timer hygiene. */
  public synchronized boolean watching() {
    return !groups.isEmpty();
  }

  /**
   * Compares each scheduler's clocks with the last check's and probes the connections of those that
   * were suspended. Periodic; public so that a test drives it.
   */
  public void check() {
    List<Runnable> due = new ArrayList<>();
    synchronized (this) {
      // a pause is measured on the ticker's own clock, once: a connection's clock may be virtual
      long tickerElapsed = 0;
      boolean late = false;
      if (ticker != null && ticking != null) {
        long nowNanos = ticker.get().now(TimeUnit.NANOSECONDS);
        tickerElapsed = nowNanos - lastCheckNanos;
        lastCheckNanos = nowNanos;
        late = tickerElapsed - periodNanos > thresholdNanos;
      }
      for (Map.Entry<Scheduler, Group> entry : groups.entrySet()) {
        Scheduler clock = entry.getKey();
        Group group = entry.getValue();
        long wall = clock.now(TimeUnit.MILLISECONDS);
        long mono = clock.now(TimeUnit.NANOSECONDS);
        long wallElapsed = TimeUnit.MILLISECONDS.toNanos(wall - group.wallMillis);
        long monoElapsed = mono - group.monoNanos;
        group.wallMillis = wall;
        group.monoNanos = mono;
        boolean slept = wallElapsed - monoElapsed > thresholdNanos;
        // paused: the check ran late, and this connection's clock is the real one (it moved as
        // the ticker's did), so its timers are late too
        boolean paused = late && Math.abs(monoElapsed - tickerElapsed) < periodNanos;
        if (slept || paused) {
          due.addAll(group.probes);
        }
      }
    }
    for (Runnable probe : due) {
      try {
        probe.run();
      } catch (RuntimeException e) {
        // a connection whose context no longer takes work (its event loop shut down): the others
        // are still probed
        Operators.onErrorDropped(e, Context.empty());
      }
    }
  }
}
