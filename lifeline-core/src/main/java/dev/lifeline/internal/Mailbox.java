package dev.lifeline.internal;

import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

/**
 * The serial context of one connection: every input that changes the connection's state runs
 * through here, one at a time, so that the state itself is plain fields.
 *
 * <p><b>The rule</b> (reactor-core's work-in-progress drain, the only hand-written lock-free code
 * of the engine): {@code wip} counts the inputs not yet handled. Whoever moves it from 0 is
 * <em>inside</em> and runs inputs until it brings it back to 0; everyone else only enqueues and
 * increments, and returns at once. Inside, code may call out (to the application, the transport, a
 * timer) and be called back on the same thread: the callback is queued and runs right after the
 * current input, so nothing re-enters the state machine half way through a transition and nothing
 * grows the stack. An input never waits for a lock and never blocks.
 *
 * <p>Three kinds of input, so that the hot paths allocate nothing:
 *
 * <ul>
 *   <li>{@link #execute(Runnable)}: any task; runs inline when no one is inside, otherwise is
 *       queued (a node of Reactor's multi-producer queue, and the queue itself the first time: the
 *       only allocations, and only under contention).
 *   <li>{@link #enter()} / {@link #leave()}: the caller runs its own code inside when no one else
 *       is (a frame, a send), and falls back to {@code execute} when {@code enter()} says no.
 *   <li>{@link #request(long)}: the application's demand, summed in one field without a task, and
 *       handed to the {@code onDemand} callback inside.
 * </ul>
 *
 * <p>Memory: everything written inside before {@code wip} is released is visible to the next one
 * inside (the decrement is a full-fence read-modify-write, the increment that moves it from 0 as
 * well), so the state needs no {@code volatile}.
 */
public final class Mailbox implements Executor {
  private static final Logger log = LoggerFactory.getLogger(Mailbox.class);
  private static final AtomicIntegerFieldUpdater<Mailbox> WIP =
      AtomicIntegerFieldUpdater.newUpdater(Mailbox.class, "wip");
  private static final AtomicLongFieldUpdater<Mailbox> DEMAND =
      AtomicLongFieldUpdater.newUpdater(Mailbox.class, "demand");

  @SuppressWarnings("rawtypes")
  private static final AtomicReferenceFieldUpdater<Mailbox, Queue> TASKS =
      AtomicReferenceFieldUpdater.newUpdater(Mailbox.class, Queue.class, "tasks");

  private final LongConsumer onDemand;

  /** The connection's name, for the one line this class logs. */
  private final String name;

  /**
   * Inputs waiting for the thread inside: Reactor's multi-producer queue, made at the first
   * contention, so that a connection no one else touches while it is busy holds none.
   */
  private volatile Queue<Runnable> tasks;

  @SuppressWarnings("unused") // accessed through WIP
  private volatile int wip;

  /**
   * The thread inside, or null. Plain: written by that thread alone, and cleared before it lets go
   * of {@code wip}, so a thread that reads itself here is inside (the test Netty's {@code
   * inEventLoop()} makes), and no other thread ever reads itself.
   */
  private Thread inside;

  /** Demand requested and not yet handed to {@link #onDemand}, capped at {@code Long.MAX_VALUE}. */
  @SuppressWarnings("unused") // accessed through DEMAND
  private volatile long demand;

  /**
   * @param onDemand runs inside with the demand the application requested since its last run
   * @param name the connection's name, in the log line of a task that threw
   */
  public Mailbox(LongConsumer onDemand, String name) {
    this.onDemand = onDemand;
    this.name = name;
  }

  /** Runs {@code task} inside: now, on this thread, if no one is inside; otherwise queued. */
  @Override
  public void execute(Runnable task) {
    if (enter()) {
      run(task);
      leave();
      return;
    }
    queue().offer(task);
    if (WIP.getAndIncrement(this) == 0) {
      inside = Thread.currentThread();
      drain(1);
    }
  }

  /**
   * Enters if no one is inside: the caller then runs its code inside and must call {@link #leave()}
   * after it, even if it throws. False when someone is inside: use {@link #execute(Runnable)}.
   */
  public boolean enter() {
    if (WIP.compareAndSet(this, 0, 1)) {
      inside = Thread.currentThread();
      return true;
    }
    return false;
  }

  /**
   * Whether the calling thread is inside: it is calling back from code the engine called (a stream
   * answering a request synchronously), and may touch the state directly.
   */
  public boolean isInside() {
    return inside == Thread.currentThread();
  }

  /** Leaves after {@link #enter()} (or an inline task), first running what arrived meanwhile. */
  public void leave() {
    inside = null;
    if (!WIP.compareAndSet(this, 1, 0)) {
      inside = Thread.currentThread();
      drain(WIP.decrementAndGet(this));
    }
  }

  /** Adds {@code n} (positive) to the application's demand, handed to the callback inside. */
  public void request(long n) {
    Operators.addCap(DEMAND, this, n);
    if (WIP.getAndIncrement(this) == 0) {
      inside = Thread.currentThread();
      drain(1);
    }
  }

  /** Runs inputs inside until none is left; {@code missed} inputs are counted in {@code wip}. */
  private void drain(int missed) {
    for (; ; ) {
      if (demand != 0) {
        long n = DEMAND.getAndSet(this, 0L);
        try {
          onDemand.accept(n);
        } catch (Throwable e) {
          dropped(e);
        }
      }
      Queue<Runnable> queue = tasks;
      Runnable task;
      while (queue != null && (task = queue.poll()) != null) {
        run(task);
      }
      inside = null;
      missed = WIP.addAndGet(this, -missed);
      if (missed == 0) {
        return;
      }
      inside = Thread.currentThread();
    }
  }

  private Queue<Runnable> queue() {
    Queue<Runnable> queue = tasks;
    if (queue == null) {
      queue = Queues.<Runnable>unboundedMultiproducer().get();
      if (!TASKS.compareAndSet(this, null, queue)) {
        queue = tasks;
      }
    }
    return queue;
  }

  private void run(Runnable task) {
    try {
      task.run();
    } catch (Throwable e) {
      dropped(e);
    }
  }

  /**
   * A task threw: the engine's own code never does, so this is the application's callback failing
   * inside (Reactor's rule 2.13 violated) or a bug. Logged, never rethrown: the mailbox must go on.
   */
  private void dropped(Throwable e) {
    log.atError()
        .addKeyValue("connection", name)
        .setCause(e)
        .log("a task of connection {} threw; it is dropped and the connection goes on", name);
  }
}
