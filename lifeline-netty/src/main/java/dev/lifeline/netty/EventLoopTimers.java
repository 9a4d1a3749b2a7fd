package dev.lifeline.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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
 */
final class EventLoopTimers implements Scheduler {

  /** Created on first use, so that merely configuring a transport starts no event loop. */
  private static final class Holder {
    static final EventLoopTimers SCHEDULER = new EventLoopTimers();
  }

  private final EventLoopGroup loops;
  private final Scheduler group;

  private EventLoopTimers() {
    this.loops = reactor.netty.http.HttpResources.get().onClient(true);
    this.group = Schedulers.fromExecutorService(loops, "lifeline-timers");
  }

  static Scheduler get() {
    return Holder.SCHEDULER;
  }

  @Override
  public Disposable schedule(Runnable task) {
    return group.schedule(task);
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    EventExecutor here = ThreadExecutorMap.currentExecutor();
    if (here == null || here.parent() != loops) {
      return group.schedule(task, delay, unit);
    }
    Future<?> scheduled = here.schedule(task, delay, unit);
    return () -> scheduled.cancel(false);
  }

  @Override
  public long now(TimeUnit unit) {
    return group.now(unit);
  }

  @Override
  public Worker createWorker() {
    return group.createWorker();
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
    return "EventLoopTimers[" + loops + "]";
  }
}
