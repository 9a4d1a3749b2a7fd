package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

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
 */
public final class OutboundBuffer {

  private static final VarHandle WIP;
  private static final VarHandle CURRENT;
  private static final VarHandle TERMINAL;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      WIP = lookup.findVarHandle(OutboundBuffer.class, "wip", int.class);
      CURRENT = lookup.findVarHandle(OutboundBuffer.class, "current", Outbound.class);
      TERMINAL = lookup.findVarHandle(OutboundBuffer.class, "terminal", Throwable.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int capacity;
  private final Queue<Ticket> queue = Queues.<Ticket>unboundedMultiproducer().get();
  private final AtomicInteger waiting = new AtomicInteger();

  @SuppressWarnings("unused") // accessed through WIP
  private volatile int wip;

  @SuppressWarnings("unused") // accessed through CURRENT
  private volatile Outbound current;

  private volatile Throwable terminal;

  public OutboundBuffer(int capacity) {
    this.capacity = capacity;
  }

  /** A send of {@code frame}: lazy, queued when subscribed. */
  public Mono<Void> send(Frame frame) {
    return new SendMono(frame);
  }

  /**
   * A send of every frame {@code frames} emits: lazy; subscribes to {@code frames} when subscribed,
   * with a bounded prefetch, and queues each frame as it arrives.
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
  private Throwable reserve() {
    Throwable t = terminal;
    if (t != null) {
      return t;
    }
    if (waiting.incrementAndGet() > capacity) {
      waiting.decrementAndGet();
      return new OutboundBufferFullException(capacity);
    }
    return null;
  }

  private void offer(Send send) {
    Throwable refused = reserve();
    if (refused != null) {
      send.actual.onError(refused);
      return;
    }
    queue.offer(send);
    drain();
  }

  void drain() {
    if ((int) WIP.getAndAdd(this, 1) != 0) {
      return;
    }
    int missed = 1;
    for (; ; ) {
      Throwable t = terminal;
      if (t != null) {
        failAll(t);
      } else {
        Outbound out = current;
        if (out != null) {
          out.emitReady();
        }
      }
      missed = (int) WIP.getAndAdd(this, -missed) - missed;
      if (missed == 0) {
        return;
      }
    }
  }

  private void failAll(Throwable t) {
    Ticket ticket;
    while ((ticket = queue.poll()) != null) {
      ticket.fail(t);
    }
  }

  /**
   * One frame's place in the queue. The drain loop calls {@link #take()} once per ticket and then
   * {@link #sent()} if it wrote the frame, or {@link #fail(Throwable)} instead of both when
   * supervision ended. Each call frees the frame's place in the buffer unless a withdrawal already
   * did.
   */
  private interface Ticket {
    /** The frame to write now, or null when its sender withdrew it. */
    Frame take();

    /** The frame {@link #take()} returned was handed to a live connection. */
    void sent();

    /** Supervision ended before this ticket's frame left. */
    void fail(Throwable cause);
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
    private long emitted;
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

    /** Runs inside the buffer's drain loop only. */
    void emitReady() {
      long r = requested;
      long e = emitted;
      Queue<Ticket> queue = buffer.queue;
      while (e != r && !detached) {
        if (heartbeat != null) {
          Frame ping = (Frame) HEARTBEAT.getAndSet(this, null);
          if (ping != null) {
            actual.onNext(ping);
            e++;
            continue;
          }
        }
        Ticket ticket = queue.poll();
        if (ticket == null) {
          break;
        }
        Frame frame = ticket.take();
        if (frame == null) {
          continue; // withdrawn by its sender
        }
        actual.onNext(frame);
        WRITTEN.setRelease(this, (long) WRITTEN.getOpaque(this) + 1);
        e++;
        ticket.sent();
      }
      emitted = e;
    }
  }

  private final class SendMono extends Mono<Void> {
    private final Frame frame;

    SendMono(Frame frame) {
      this.frame = frame;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      Send send = new Send(frame, actual);
      actual.onSubscribe(send);
      offer(send);
    }
  }

  /**
   * One queued frame and whom to tell when it left. Cancelling withdraws a waiting frame and frees
   * its place in the buffer at once; exactly one of the sender's cancel and the drain loop's take
   * wins.
   */
  private final class Send extends AtomicBoolean implements Subscription, Ticket {
    final Frame frame;
    final CoreSubscriber<? super Void> actual;

    Send(Frame frame, CoreSubscriber<? super Void> actual) {
      this.frame = frame;
      this.actual = actual;
    }

    @Override
    public Frame take() {
      if (!compareAndSet(false, true)) {
        return null; // withdrawn: cancel() already freed the place
      }
      waiting.decrementAndGet();
      return frame;
    }

    @Override
    public void sent() {
      actual.onComplete();
    }

    @Override
    public void fail(Throwable cause) {
      if (compareAndSet(false, true)) {
        waiting.decrementAndGet();
        actual.onError(cause);
      }
    }

    @Override
    public void request(long n) {
      // a Mono<Void> emits no value: demand has nothing to govern
    }

    @Override
    public void cancel() {
      if (compareAndSet(false, true)) {
        waiting.decrementAndGet();
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
      frames.subscribe(new StreamSend(actual));
    }
  }

  /**
   * A stream of frames being sent: requests {@value #PREFETCH} frames, queues a ticket per frame as
   * it arrives (so frames of several senders interleave in arrival order), and requests more as the
   * connection takes them. Completes when the stream completed and its last frame left; on
   * overflow, termination, a close frame, an error of the stream or cancellation it stops, and its
   * frames still waiting are withdrawn.
   */
  private final class StreamSend implements CoreSubscriber<Frame>, Subscription, Ticket {
    private static final int PREFETCH = 32;
    private static final int REPLENISH = 24;

    private final CoreSubscriber<? super Void> actual;
    private final Queue<Frame> frames = Queues.<Frame>get(PREFETCH).get();
    private final AtomicLong remaining = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean finished = new AtomicBoolean();
    private Subscription upstream;
    private volatile boolean done;
    private int taken; // drain loop only

    StreamSend(CoreSubscriber<? super Void> actual) {
      this.actual = actual;
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (Operators.validate(upstream, s)) {
        upstream = s;
        actual.onSubscribe(this);
        s.request(PREFETCH);
      }
    }

    @Override
    public void onNext(Frame frame) {
      if (finished.get()) {
        return;
      }
      if (frame instanceof Frame.Close) {
        stop(
            new IllegalArgumentException(
                "close frames are not sent with send(); call close() to end the connection"));
        return;
      }
      Throwable refused = reserve();
      if (refused != null) {
        stop(refused);
        return;
      }
      remaining.incrementAndGet();
      queued.incrementAndGet();
      frames.offer(frame);
      queue.offer(this);
      drain();
    }

    @Override
    public void onError(Throwable error) {
      stop(error);
    }

    @Override
    public void onComplete() {
      done = true;
      if (remaining.get() == 0 && finished.compareAndSet(false, true)) {
        actual.onComplete();
      }
    }

    @Override
    public Frame take() {
      Frame frame = frames.poll();
      if (!claimPlace()) {
        return null; // the stream stopped and already freed this frame's place
      }
      waiting.decrementAndGet();
      return finished.get() ? null : frame;
    }

    /** Takes one of this stream's places in the buffer, unless {@link #stop} freed them all. */
    private boolean claimPlace() {
      for (; ; ) {
        long n = queued.get();
        if (n == 0) {
          return false;
        }
        if (queued.compareAndSet(n, n - 1)) {
          return true;
        }
      }
    }

    @Override
    public void sent() {
      long left = remaining.decrementAndGet();
      if (++taken == REPLENISH) {
        taken = 0;
        upstream.request(REPLENISH);
      }
      if (left == 0 && done && finished.compareAndSet(false, true)) {
        actual.onComplete();
      }
    }

    @Override
    public void fail(Throwable cause) {
      frames.poll();
      if (claimPlace()) {
        waiting.decrementAndGet();
      }
      stop(cause);
    }

    private void stop(Throwable cause) {
      if (finished.compareAndSet(false, true)) {
        freePlaces();
        upstream.cancel();
        actual.onError(cause);
      }
    }

    /** Withdraws every frame still waiting: their places are free for other senders at once. */
    private void freePlaces() {
      waiting.addAndGet((int) -queued.getAndSet(0));
    }

    @Override
    public void request(long n) {
      // a Mono<Void> emits no value: demand has nothing to govern
    }

    @Override
    public void cancel() {
      if (finished.compareAndSet(false, true)) {
        freePlaces();
        upstream.cancel();
      }
    }
  }
}
