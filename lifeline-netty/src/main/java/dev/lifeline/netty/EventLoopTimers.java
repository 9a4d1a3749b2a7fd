package dev.lifeline.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;

/**
 * The default timer scheduler of {@link WebSocketTransport}: Reactor Netty's client event loops,
 * with affinity. A timer scheduled from one of those loops runs on that same loop; any other timer
 * goes to the group, round-robin.
 *
 * <p>A connection's heartbeat timer is first scheduled from the event loop that delivered its
 * handshake, and each tick schedules the next from where it runs: so its heartbeats are written
 * from the channel's own loop, without a hop into that loop's task queue behind other channels'
 * work. Measured at K = 5 000 connections, the hop was where the heartbeat round trip's tail came
 * from (see benchmarks/README.md). Timer tasks are short and never block. Never disposed by
 * Lifeline.
 *
 * <p>The group is looked up at every call, not once: whoever owns Reactor Netty's global resources
 * may dispose them and a later client recreates them (Spring Boot disposes them whenever an
 * application context closes, so a test suite's second context, or a devtools restart, would
 * otherwise get timers on terminated loops and every heartbeat refused). The one mutable field is a
 * cache of the current group and its scheduler, volatile and replaced whole when the group changed;
 * two threads that both see a new group make equal wrappers, so the race is benign.
 */
final class EventLoopTimers implements Scheduler {

  /** Created on first use, so that merely configuring a transport starts no event loop. */
  private static final class Holder {
    static final EventLoopTimers SCHEDULER = new EventLoopTimers();
  }

  /** Reactor Netty's client loops at one time, and a scheduler over them. */
  private record Group(EventLoopGroup loops, Scheduler scheduler) {}

  private volatile Group current;

  private EventLoopTimers() {}

  static Scheduler get() {
    return Holder.SCHEDULER;
  }

  /** The current client loops: those of the global resources now, recreated if disposed. */
  private Group group() {
    EventLoopGroup loops = HttpResources.get().onClient(true);
    Group group = current;
    if (group == null || group.loops() != loops) {
      group = new Group(loops, Schedulers.fromExecutorService(loops, "lifeline-timers"));
      current = group;
    }
    return group;
  }

  @Override
  public Disposable schedule(Runnable task) {
    return group().scheduler().schedule(task);
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    Group group = group();
    EventExecutor here = ThreadExecutorMap.currentExecutor();
    if (here == null || here.parent() != group.loops() || here.isShuttingDown()) {
      return group.scheduler().schedule(task, delay, unit);
    }
    Future<?> scheduled = here.schedule(task, delay, unit);
    return () -> scheduled.cancel(false);
  }

  @Override
  public Worker createWorker() {
    return group().scheduler().createWorker();
  }

  @Override
  public void init() {
    // the event loops are Reactor Netty's, started with them
  }

  @Override
  public void dispose() {
    // shared with every transport and with Reactor Netty itself: never disposed here
  }

  @Override
  public String toString() {
    Group group = current;
    return "EventLoopTimers[" + (group == null ? "not started" : group.loops()) + "]";
  }
}
