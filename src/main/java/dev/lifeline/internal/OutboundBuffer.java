package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

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
  private final Queue<Send> queue = Queues.<Send>unboundedMultiproducer().get();
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
    return new SendMono(this, frame);
  }

  /** The frames waiting for a connection. */
  public int waiting() {
    return waiting.get();
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

  private void offer(Send send) {
    Throwable t = terminal;
    if (t != null) {
      send.actual.onError(t);
      return;
    }
    if (waiting.incrementAndGet() > capacity) {
      waiting.decrementAndGet();
      send.actual.onError(new OutboundBufferFullException(capacity));
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
    Send send;
    while ((send = queue.poll()) != null) {
      if (send.take()) {
        waiting.decrementAndGet();
        send.actual.onError(t);
      }
    }
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
      Queue<Send> queue = buffer.queue;
      while (e != r && !detached) {
        if (heartbeat != null) {
          Frame ping = (Frame) HEARTBEAT.getAndSet(this, null);
          if (ping != null) {
            actual.onNext(ping);
            e++;
            continue;
          }
        }
        Send send = queue.poll();
        if (send == null) {
          break;
        }
        if (!send.take()) {
          continue; // withdrawn by its sender, who already freed its place
        }
        buffer.waiting.decrementAndGet();
        actual.onNext(send.frame);
        WRITTEN.setRelease(this, (long) WRITTEN.getOpaque(this) + 1);
        e++;
        send.actual.onComplete();
      }
      emitted = e;
    }
  }

  private final class SendMono extends Mono<Void> {
    private final OutboundBuffer buffer;
    private final Frame frame;

    SendMono(OutboundBuffer buffer, Frame frame) {
      this.buffer = buffer;
      this.frame = frame;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      Send send = new Send(frame, actual);
      actual.onSubscribe(send);
      buffer.offer(send);
    }
  }

  /**
   * One queued frame and whom to tell when it left. Cancelling withdraws a waiting frame and frees
   * its place in the buffer at once; exactly one of the sender's cancel and the drain loop's take
   * wins.
   */
  private final class Send extends AtomicBoolean implements Subscription {
    final Frame frame;
    final CoreSubscriber<? super Void> actual;

    Send(Frame frame, CoreSubscriber<? super Void> actual) {
      this.frame = frame;
      this.actual = actual;
    }

    /** Claims the frame for sending or failing; false if its sender withdrew it. */
    boolean take() {
      return compareAndSet(false, true);
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
}
