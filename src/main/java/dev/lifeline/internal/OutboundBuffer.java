package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * The application's frames on their way to whichever connection is live (C9): a bounded
 * multi-producer queue, drained in order into the current connection's {@link Outbound} as its
 * transport requests them. Heartbeats overtake queued frames, since a heartbeat stuck behind a
 * backlog would prove nothing.
 *
 * <p>A frame's send completes when the frame is handed to a live connection's transport, fails with
 * {@link OutboundBufferFullException} when {@code capacity} frames already wait, and fails with the
 * terminal error when supervision ends first. Thread-safe: every state change goes through one
 * serialized drain loop.
 *
 * <p>What it costs, since every supervised connection has one and most frames pass through it:
 *
 * <ul>
 *   <li>The queue is intrusive: each entry ({@link Ticket}) carries its own link, so an idle buffer
 *       is this one object, and a send of one frame is one object, the {@code Mono} itself (a
 *       second subscription to it queues a copy).
 *   <li>A frame offered while nothing waits and the live connection has demand skips the queue and
 *       is written at once; the order is the same, as nothing waits ahead of it.
 *   <li>A streamed send keeps its prefetched frames in its own ring and is one entry in the queue
 *       while it holds any: the drain loop takes as many as the connection's demand allows in one
 *       visit, then puts the stream back at the end of the queue if frames remain. Frames of one
 *       stream keep their order; frames of concurrent senders interleave by such batches.
 * </ul>
 */
public final class OutboundBuffer {

  private static final VarHandle WIP;
  private static final VarHandle WAITING;
  private static final VarHandle CURRENT;
  private static final VarHandle TERMINAL;
  private static final VarHandle FIRST;
  private static final VarHandle LAST;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      WIP = lookup.findVarHandle(OutboundBuffer.class, "wip", int.class);
      WAITING = lookup.findVarHandle(OutboundBuffer.class, "waiting", int.class);
      CURRENT = lookup.findVarHandle(OutboundBuffer.class, "current", Outbound.class);
      TERMINAL = lookup.findVarHandle(OutboundBuffer.class, "terminal", Throwable.class);
      FIRST = lookup.findVarHandle(OutboundBuffer.class, "first", Ticket.class);
      LAST = lookup.findVarHandle(OutboundBuffer.class, "last", Ticket.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int capacity;

  @SuppressWarnings("unused") // accessed through WIP
  private volatile int wip;

  /** Frames holding a place in the buffer: queued and not yet written or withdrawn. */
  @SuppressWarnings("unused") // accessed through WAITING
  private volatile int waiting;

  @SuppressWarnings("unused") // accessed through CURRENT
  private volatile Outbound current;

  private volatile Throwable terminal;

  /** The oldest ticket; written by the drain loop, and by a sender only when the queue is empty. */
  @SuppressWarnings("unused") // accessed through FIRST
  private volatile Ticket first;

  /** The newest ticket; senders exchange it. Null exactly when the queue is empty. */
  private volatile Ticket last;

  public OutboundBuffer(int capacity) {
    this.capacity = capacity;
  }

  /** A send of {@code frame}: lazy, queued when subscribed. */
  public Mono<Void> send(Frame frame) {
    return new SendMono(frame);
  }

  /**
   * A send of every frame {@code frames} emits: lazy; subscribes to {@code frames} when subscribed,
   * with a bounded prefetch, and queues the frames as they arrive.
   */
  public Mono<Void> sendAll(Publisher<? extends Frame> frames) {
    return new StreamSendMono(frames);
  }

  /**
   * The outbound stream for a new connection. Once its transport subscribes it becomes the current
   * one and receives the waiting frames; the previous connection's stream gets nothing more.
   */
  public Outbound newOutbound() {
    return new Outbound(this);
  }

  /**
   * Ends the buffer: every waiting frame and every later send fails with {@code cause}. Idempotent;
   * the first cause wins.
   */
  public void terminate(Throwable cause) {
    TERMINAL.compareAndSet(this, null, cause);
    drain();
  }

  /** Claims a place for one frame: null if it got one, otherwise why not. */
  Throwable reserve() {
    Throwable t = terminal;
    if (t != null) {
      return t;
    }
    if ((int) WAITING.getAndAdd(this, 1) >= capacity) {
      WAITING.getAndAdd(this, -1);
      return new OutboundBufferFullException(capacity);
    }
    return null;
  }

  void free(int places) {
    WAITING.getAndAdd(this, -places);
  }

  void drain() {
    if ((int) WIP.getAndAdd(this, 1) == 0) {
      drainLoop();
    }
  }

  /**
   * The live connection, if a frame offered now can be written at once: no one is in the drain
   * loop, nothing waits, and the connection has demand. The caller is then inside the drain loop's
   * guard and must {@link #leave()} after writing. Null otherwise: queue the frame.
   */
  Outbound enterIfIdle() {
    if (!WIP.compareAndSet(this, 0, 1)) {
      return null;
    }
    Outbound out = current;
    if (out != null && terminal == null && last == null && out.ready()) {
      return out;
    }
    leave();
    return null;
  }

  /** Leaves the guard {@link #enterIfIdle()} took, draining what arrived meanwhile. */
  void leave() {
    if ((int) WIP.getAndAdd(this, -1) != 1) {
      drainLoop();
    }
  }

  private void drainLoop() {
    int missed = 1;
    for (; ; ) {
      Throwable t = terminal;
      if (t != null) {
        Ticket ticket;
        while ((ticket = poll()) != null) {
          ticket.fail(t);
        }
      } else {
        Outbound out = current;
        Ticket ticket;
        while (out != null && out.ready() && (ticket = poll()) != null) {
          ticket.emitTo(out);
        }
      }
      missed = (int) WIP.getAndAdd(this, -missed) - missed;
      if (missed == 0) {
        return;
      }
    }
  }

  /**
   * Appends {@code ticket} to the queue; any thread. A ticket is in the queue at most once at a
   * time, and whoever pushes it calls {@link #drain()} after, unless it is the drain loop itself.
   */
  void push(Ticket ticket) {
    Ticket previous = (Ticket) LAST.getAndSet(this, ticket);
    if (previous == null) {
      FIRST.setRelease(this, ticket);
    } else {
      previous.linkNext(ticket);
    }
  }

  /**
   * Removes the oldest ticket; drain loop only. Null when the queue is empty, or when a sender's
   * push into the empty queue is half done: that sender drains after it.
   */
  private Ticket poll() {
    Ticket head = (Ticket) FIRST.getAcquire(this);
    if (head == null) {
      return null;
    }
    Ticket next = head.next();
    if (next == null) {
      FIRST.setRelease(this, null);
      if (LAST.compareAndSet(this, head, null)) {
        return head;
      }
      // a sender exchanged LAST after head and is about to link itself behind it
      while ((next = head.next()) == null) {
        Thread.onSpinWait();
      }
    }
    FIRST.setRelease(this, next);
    // unlinked, so that a finished send its application still holds keeps no later one reachable
    head.linkNext(null);
    return head;
  }

  /**
   * An entry of the queue: one frame's send, or a stream with frames waiting. The drain loop calls
   * {@link #emitTo} when the connection has demand, or {@link #fail} when supervision ended; each
   * frame's place in the buffer is freed exactly once, by whichever of those, the sender's
   * cancellation or the stream's end comes first.
   */
  interface Ticket {
    /** Writes what can go now to {@code out}, which is {@link Outbound#ready() ready}. */
    void emitTo(Outbound out);

    /** Supervision ended before this ticket's frames left. */
    void fail(Throwable cause);

    Ticket next();

    void linkNext(Ticket next);
  }

  /**
   * One connection's outbound stream: at most one subscriber (its transport), never completes.
   * Counts the application frames it handed over, so that a disconnect can say how many were
   * written after the peer's last sign of life.
   */
  public static final class Outbound implements Publisher<Frame>, Subscription {
    private static final AtomicLongFieldUpdater<Outbound> REQUESTED =
        AtomicLongFieldUpdater.newUpdater(Outbound.class, "requested");
    private static final VarHandle HEARTBEAT;
    private static final VarHandle WRITTEN;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        HEARTBEAT = lookup.findVarHandle(Outbound.class, "heartbeat", Frame.class);
        WRITTEN = lookup.findVarHandle(Outbound.class, "written", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final OutboundBuffer buffer;
    private Subscriber<? super Frame> actual;
    private long emitted; // drain loop only
    private volatile boolean detached;

    @SuppressWarnings("unused") // accessed through REQUESTED
    private volatile long requested;

    @SuppressWarnings("unused") // accessed through HEARTBEAT
    private volatile Frame heartbeat;

    @SuppressWarnings("unused") // accessed through WRITTEN
    private volatile long written;

    Outbound(OutboundBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void subscribe(Subscriber<? super Frame> subscriber) {
      if (actual != null) {
        Operators.error(
            subscriber,
            new IllegalStateException(
                "a connection's outbound frames can be subscribed once; this one already is"));
        return;
      }
      actual = subscriber;
      subscriber.onSubscribe(this);
      if (!detached) {
        CURRENT.setVolatile(buffer, this);
        if (detached) {
          // detach() ran between the check and the set: undo, or frames would stall here
          CURRENT.compareAndSet(buffer, this, null);
        }
      }
      buffer.drain();
    }

    @Override
    public void request(long n) {
      if (Operators.validate(n)) {
        Operators.addCap(REQUESTED, this, n);
        buffer.drain();
      }
    }

    @Override
    public void cancel() {
      detach();
    }

    /**
     * Stops handing frames to this connection; waiting frames stay for the next one. Called when
     * the connection ends.
     */
    public void detach() {
      detached = true;
      CURRENT.compareAndSet(buffer, this, null);
    }

    /** Hands {@code ping} to this connection ahead of any waiting frame. */
    public void sendHeartbeat(Frame ping) {
      HEARTBEAT.setVolatile(this, ping);
      buffer.drain();
    }

    /** The application frames handed to this connection so far. */
    public long written() {
      return (long) WRITTEN.getAcquire(this);
    }

    /**
     * Whether an application frame can be written now. Writes a pending heartbeat first, so that it
     * overtakes every waiting frame. Inside the drain loop's guard only.
     */
    boolean ready() {
      if (detached || emitted == requested) {
        return false;
      }
      if (heartbeat != null) {
        Frame ping = (Frame) HEARTBEAT.getAndSet(this, null);
        if (ping != null) {
          actual.onNext(ping);
          emitted++;
          return !detached && emitted != requested;
        }
      }
      return true;
    }

    /** Writes an application frame, after {@link #ready()}. Inside the drain loop's guard only. */
    void write(Frame frame) {
      emitted++;
      actual.onNext(frame);
      WRITTEN.setRelease(this, (long) WRITTEN.getOpaque(this) + 1);
    }
  }

  /**
   * A send of one frame, and for its first subscription also that frame's ticket: one object per
   * send. A second subscription sends a fresh copy. Exactly one of the sender's cancellation, the
   * drain loop's write and termination settles a queued send; a cancelled send's place is free at
   * once.
   */
  private final class SendMono extends Mono<Void> implements Ticket, Subscription {
    private static final int NEW = 0;
    private static final int SUBSCRIBED = 1;
    private static final int QUEUED = 2;
    private static final int SETTLED = 3;
    private static final VarHandle STATE;
    private static final VarHandle NEXT;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        STATE = lookup.findVarHandle(SendMono.class, "state", int.class);
        NEXT = lookup.findVarHandle(SendMono.class, "next", Ticket.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Frame frame;
    private CoreSubscriber<? super Void> actual;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    @SuppressWarnings("unused") // accessed through NEXT
    private volatile Ticket next;

    SendMono(Frame frame) {
      this.frame = frame;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      if (!STATE.compareAndSet(this, NEW, SUBSCRIBED)) {
        new SendMono(frame).subscribe(actual);
        return;
      }
      this.actual = actual;
      actual.onSubscribe(this);
      Outbound out = enterIfIdle();
      if (out != null) {
        boolean write = STATE.compareAndSet(this, SUBSCRIBED, SETTLED); // false: cancelled
        if (write) {
          out.write(frame);
        }
        leave();
        if (write) {
          actual.onComplete();
        }
        return;
      }
      Throwable refused = reserve();
      if (refused != null) {
        if (STATE.compareAndSet(this, SUBSCRIBED, SETTLED)) {
          actual.onError(refused);
        }
        return;
      }
      if (!STATE.compareAndSet(this, SUBSCRIBED, QUEUED)) {
        free(1); // cancelled while it reserved its place
        return;
      }
      push(this);
      drain();
    }

    @Override
    public void emitTo(Outbound out) {
      if (STATE.compareAndSet(this, QUEUED, SETTLED)) {
        free(1);
        out.write(frame);
        actual.onComplete();
      }
    }

    @Override
    public void fail(Throwable cause) {
      if (STATE.compareAndSet(this, QUEUED, SETTLED)) {
        free(1);
        actual.onError(cause);
      }
    }

    @Override
    public Ticket next() {
      return (Ticket) NEXT.getAcquire(this);
    }

    @Override
    public void linkNext(Ticket next) {
      NEXT.setRelease(this, next);
    }

    @Override
    public void request(long n) {
      // a Mono<Void> emits no value: demand has nothing to govern
    }

    @Override
    public void cancel() {
      for (; ; ) {
        int s = state;
        if (s != SUBSCRIBED && s != QUEUED) {
          return;
        }
        if (STATE.compareAndSet(this, s, SETTLED)) {
          if (s == QUEUED) {
            free(1);
          }
          return;
        }
      }
    }
  }

  private final class StreamSendMono extends Mono<Void> {
    private final Publisher<? extends Frame> frames;

    StreamSendMono(Publisher<? extends Frame> frames) {
      this.frames = frames;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      frames.subscribe(new StreamSend(OutboundBuffer.this, actual));
    }
  }
}
