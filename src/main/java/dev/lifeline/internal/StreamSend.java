package dev.lifeline.internal;

import dev.lifeline.Frame;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A stream of frames being sent. Requests {@value #PREFETCH} frames and more as the connection
 * takes them. A frame that arrives while nothing waits and the connection has demand is written at
 * once; the others wait in this stream's ring, each holding a place in the buffer, and the stream
 * is one ticket in the queue while its ring holds any. Completes when the stream completed and its
 * last frame left; on overflow, termination, a close frame, an error of the stream or cancellation
 * it stops, and its frames still waiting are withdrawn.
 *
 * <p>The ring has one producer (the stream, whose signals are serialized) and one consumer (the
 * drain loop), and never holds more than {@value #PREFETCH} frames since that is all the stream may
 * emit ahead of the frames taken.
 */
final class StreamSend implements CoreSubscriber<Frame>, Subscription, OutboundBuffer.Ticket {
  private static final int PREFETCH = 32; // a power of two: the ring's size
  private static final int REPLENISH = 24;
  private static final VarHandle PRODUCED;
  private static final VarHandle CONSUMED;
  private static final VarHandle QUEUED;
  private static final VarHandle HANDED;
  private static final VarHandle SCHEDULED;
  private static final VarHandle FINISHED;
  private static final VarHandle NEXT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PRODUCED = lookup.findVarHandle(StreamSend.class, "produced", long.class);
      CONSUMED = lookup.findVarHandle(StreamSend.class, "consumed", long.class);
      QUEUED = lookup.findVarHandle(StreamSend.class, "queued", long.class);
      HANDED = lookup.findVarHandle(StreamSend.class, "handed", long.class);
      SCHEDULED = lookup.findVarHandle(StreamSend.class, "scheduled", boolean.class);
      FINISHED = lookup.findVarHandle(StreamSend.class, "finished", boolean.class);
      NEXT = lookup.findVarHandle(StreamSend.class, "next", OutboundBuffer.Ticket.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final OutboundBuffer buffer;
  private final CoreSubscriber<? super Void> actual;
  private Subscription upstream;

  /** The frames waiting, allocated when the first one has to wait. */
  private Frame[] ring;

  /** Frames accepted from the stream; the stream's side only. */
  private long received;

  /** Frames written since the last request to the stream; inside the drain loop's guard only. */
  private int taken;

  /** Frames put into the ring; written by the stream's side. */
  @SuppressWarnings("unused") // accessed through PRODUCED
  private volatile long produced;

  /** Frames taken out of the ring; written by the drain loop. */
  @SuppressWarnings("unused") // accessed through CONSUMED
  private volatile long consumed;

  /** Frames in the ring that hold a place in the buffer; {@link #freePlaces()} zeroes it. */
  @SuppressWarnings("unused") // accessed through QUEUED
  private volatile long queued;

  /** Frames handed to a live connection; written inside the drain loop's guard. */
  @SuppressWarnings("unused") // accessed through HANDED
  private volatile long handed;

  /** In the queue, or being emitted by the drain loop. */
  @SuppressWarnings("unused") // accessed through SCHEDULED
  private volatile boolean scheduled;

  @SuppressWarnings("unused") // accessed through FINISHED
  private volatile boolean finished;

  private volatile boolean done;

  @SuppressWarnings("unused") // accessed through NEXT
  private volatile OutboundBuffer.Ticket next;

  StreamSend(OutboundBuffer buffer, CoreSubscriber<? super Void> actual) {
    this.buffer = buffer;
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
    if (finished) {
      return;
    }
    if (frame instanceof Frame.Close) {
      stop(
          new IllegalArgumentException(
              "close frames are not sent with send(); call close() to end the connection"));
      return;
    }
    received++;
    // not scheduled: nothing of this stream waits, so the frame may overtake nothing of its own
    if (!scheduled) {
      OutboundBuffer.Outbound out = buffer.enterIfIdle();
      if (out != null) {
        out.write(frame);
        HANDED.setRelease(this, handed + 1);
        long more = replenish(1);
        buffer.leave();
        if (more > 0) {
          upstream.request(more);
        }
        return;
      }
    }
    enqueue(frame);
  }

  private void enqueue(Frame frame) {
    long p = produced;
    if (p - consumed == PREFETCH) {
      stop(Exceptions.failWithOverflow(Exceptions.BACKPRESSURE_ERROR_QUEUE_FULL));
      return;
    }
    Throwable refused = buffer.reserve();
    if (refused != null) {
      stop(refused);
      return;
    }
    QUEUED.getAndAdd(this, 1L);
    if (finished) {
      freePlaces(); // stopped meanwhile: the stop may have missed this place
      return;
    }
    Frame[] r = ring;
    if (r == null) {
      r = new Frame[PREFETCH];
      ring = r;
    }
    r[(int) p & (PREFETCH - 1)] = frame;
    // volatile, not release: emitTo() clears SCHEDULED and then reads PRODUCED, this side the
    // reverse; with both in one order, one of the two sees the other and queues the stream
    PRODUCED.setVolatile(this, p + 1);
    if (!scheduled && SCHEDULED.compareAndSet(this, false, true)) {
      buffer.push(this);
      buffer.drain();
    }
  }

  @Override
  public void onError(Throwable error) {
    stop(error);
  }

  @Override
  public void onComplete() {
    done = true;
    if (handed == received && FINISHED.compareAndSet(this, false, true)) {
      actual.onComplete();
    }
  }

  @Override
  public void emitTo(OutboundBuffer.Outbound out) {
    long end = (long) PRODUCED.getAcquire(this);
    Frame[] r = ring;
    long c = consumed;
    int written = 0;
    while (c != end && !finished && out.ready()) {
      int i = (int) c & (PREFETCH - 1);
      Frame frame = r[i];
      r[i] = null;
      c++;
      out.write(frame);
      written++;
    }
    CONSUMED.setRelease(this, c);
    if (written > 0) {
      settle(written);
    }
    if (finished) {
      freePlaces(); // stays scheduled: a finished stream is never queued again
      return;
    }
    if (c != (long) PRODUCED.getAcquire(this)) {
      buffer.push(this); // frames remain: to the end of the queue, behind other senders
      return;
    }
    SCHEDULED.setVolatile(this, false);
    // a frame that arrived after the check above found the stream still scheduled
    if (c != (long) PRODUCED.getAcquire(this) && SCHEDULED.compareAndSet(this, false, true)) {
      buffer.push(this);
    }
  }

  /** Books {@code written} frames as handed over: frees their places, asks for more. */
  private void settle(int written) {
    buffer.free(claim(written));
    long h = handed + written;
    HANDED.setVolatile(this, h);
    long more = replenish(written);
    if (more > 0) {
      upstream.request(more);
    }
    if (done && h == received && FINISHED.compareAndSet(this, false, true)) {
      actual.onComplete();
    }
  }

  /** Takes up to {@code n} of this stream's places, fewer once {@link #stop} freed them. */
  private int claim(int n) {
    for (; ; ) {
      long q = queued;
      long k = Math.min(q, n);
      if (k == 0 || QUEUED.compareAndSet(this, q, q - k)) {
        return (int) k;
      }
    }
  }

  /** How many more frames to request from the stream after {@code n} more were written. */
  private long replenish(int n) {
    taken += n;
    if (taken < REPLENISH) {
      return 0;
    }
    long more = taken;
    taken = 0;
    return more;
  }

  @Override
  public void fail(Throwable cause) {
    freePlaces();
    stop(cause);
  }

  @Override
  public OutboundBuffer.Ticket next() {
    return (OutboundBuffer.Ticket) NEXT.getAcquire(this);
  }

  @Override
  public void linkNext(OutboundBuffer.Ticket next) {
    NEXT.setRelease(this, next);
  }

  private void stop(Throwable cause) {
    if (FINISHED.compareAndSet(this, false, true)) {
      freePlaces();
      upstream.cancel();
      actual.onError(cause);
    }
  }

  /** Withdraws every frame still waiting: their places are free for other senders at once. */
  private void freePlaces() {
    buffer.free((int) (long) QUEUED.getAndSet(this, 0L));
  }

  @Override
  public void request(long n) {
    // a Mono<Void> emits no value: demand has nothing to govern
  }

  @Override
  public void cancel() {
    if (FINISHED.compareAndSet(this, false, true)) {
      freePlaces();
      upstream.cancel();
    }
  }
}
