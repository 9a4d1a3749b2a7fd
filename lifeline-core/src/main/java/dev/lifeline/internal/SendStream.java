package dev.lifeline.internal;

import dev.lifeline.Frame;
import java.util.ArrayDeque;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A stream of frames being sent. Requests {@value #PREFETCH} frames (at most the outbound buffer's
 * capacity) and more as the connection takes them. A frame that arrives while nothing waits and the
 * connection has demand is written at once; the others wait in this stream's own queue, each
 * holding a place in the {@link Outbox}, and the stream is one ticket in the outbox while it holds
 * any: the outbox takes as many as the connection's demand allows in one visit, then puts the
 * stream back at the end if frames remain. Completes when the stream completed and its last frame
 * left; on overflow, termination, a close frame, an error of the stream or cancellation it stops,
 * and its frames still waiting are withdrawn.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}: each signal of the stream hops in
 * (inline, without allocating, when no one else is inside, or directly when the stream answers a
 * request the engine made from inside), so every field is plain. One exception, {@link
 * #signalsQueued}: written and read only by the stream's signals themselves, which Reactive Streams
 * rule 1.3 serialises, so it too is plain. Signals keep their order: a signal that finds earlier
 * ones of this stream still queued in the mailbox (sent from another thread while someone else was
 * inside) queues behind them, even when it arrives on the thread inside.
 */
final class SendStream implements CoreSubscriber<Frame>, Subscription, Outbox.Ticket {
  private static final int PREFETCH = 32;

  /**
   * {@value #PREFETCH}, or the outbound buffer's capacity if smaller: a stream alone must never
   * overflow the buffer with its own prefetch.
   */
  private final int prefetch;

  /** Requested again once three quarters of the prefetch were taken. */
  private final int replenish;

  /** The {@code Mono} of {@code send(Publisher)}: one stream subscription per subscriber. */
  static final class Send extends Mono<Void> {
    private final Outbox outbox;
    private final Publisher<? extends Frame> frames;

    Send(Outbox outbox, Publisher<? extends Frame> frames) {
      this.outbox = outbox;
      this.frames = frames;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
      frames.subscribe(new SendStream(outbox, actual));
    }
  }

  private final Outbox outbox;
  private final Mailbox mailbox;
  private final CoreSubscriber<? super Void> actual;
  private Subscription upstream;

  /** Frames waiting, each holding a place; made when the first one has to wait. */
  private ArrayDeque<Frame> waiting;

  /** The stream's signals queued as mailbox tasks; only the signalling side touches it. */
  private long signalsQueued;

  /** How many of those ran, inside; equal to {@link #signalsQueued} when none waits. */
  private long signalsRun;

  private long received;
  private long handed;
  private int taken;
  private boolean queued;
  private boolean done;
  private boolean finished;

  private SendStream(Outbox outbox, CoreSubscriber<? super Void> actual) {
    this.outbox = outbox;
    this.mailbox = outbox.mailbox;
    this.actual = actual;
    this.prefetch = Math.min(PREFETCH, outbox.capacity());
    this.replenish = Math.max(1, prefetch * 3 / 4);
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
      // inside, so that frames the stream emits at once are taken inside too, without a task each
      inside(() -> upstream.request(prefetch));
    }
  }

  @Override
  public void onNext(Frame frame) {
    if (mailbox.enter()) {
      try {
        accept(frame);
      } finally {
        mailbox.leave();
      }
    } else if (mailbox.isInside() && signalsQueued == signalsRun) {
      accept(frame); // answering a request made inside: the outbox is in a consistent state
    } else {
      signalsQueued++;
      mailbox.execute(
          () -> {
            signalsRun++;
            accept(frame);
          });
    }
  }

  @Override
  public void onError(Throwable error) {
    inOrder(() -> stop(error));
  }

  @Override
  public void onComplete() {
    inOrder(this::completed);
  }

  /** Runs a terminal signal inside, after every frame of this stream still queued. */
  private void inOrder(Runnable signal) {
    if (mailbox.isInside() && signalsQueued == signalsRun) {
      signal.run();
    } else {
      signalsQueued++;
      mailbox.execute(
          () -> {
            signalsRun++;
            signal.run();
          });
    }
  }

  @Override
  public void request(long n) {
    // a Mono<Void> emits no value: demand has nothing to govern
  }

  /**
   * Withdraws the frames not written yet. From inside (a callback the engine made, even while this
   * stream's batch is being written) it takes effect at once: not one more frame goes.
   */
  @Override
  public void cancel() {
    inside(
        () -> {
          if (!finished) {
            finished = true;
            withdraw();
            upstream.cancel();
          }
        });
  }

  private void inside(Runnable task) {
    if (mailbox.isInside()) {
      task.run();
    } else {
      mailbox.execute(task);
    }
  }

  private void accept(Frame frame) {
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
    if (!queued && outbox.nothingWaits() && outbox.ready()) {
      outbox.write(frame);
      handed++;
      requestMore(1);
      return;
    }
    if (waiting != null && waiting.size() == prefetch) {
      stop(Exceptions.failWithOverflow(Exceptions.BACKPRESSURE_ERROR_QUEUE_FULL));
      return;
    }
    Throwable refused = outbox.reserve(frame);
    if (refused != null) {
      stop(refused);
      return;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>(prefetch);
    }
    waiting.add(frame);
    if (!queued) {
      queued = true;
      outbox.enqueue(this);
      outbox.drain();
    }
  }

  private void completed() {
    done = true;
    if (!finished && handed == received) {
      finished = true;
      actual.onComplete();
    }
  }

  @Override
  public void emitTo(Outbox out) {
    int written = 0;
    Frame frame;
    while (!finished && out.ready() && (frame = waiting.poll()) != null) {
      out.writeQueued(frame);
      written++;
    }
    if (finished) {
      return;
    }
    if (waiting.isEmpty()) {
      queued = false;
    } else {
      out.enqueue(this); // frames remain: to the end of the queue, behind other senders
    }
    handed += written;
    if (written > 0) {
      requestMore(written);
    }
    if (done && !finished && handed == received) {
      finished = true;
      actual.onComplete();
    }
  }

  /** Asks the stream for more once enough of its frames left; may be answered synchronously. */
  private void requestMore(int n) {
    taken += n;
    if (taken >= replenish) {
      int more = taken;
      taken = 0;
      upstream.request(more);
    }
    if (done && !finished && handed == received) {
      finished = true;
      actual.onComplete();
    }
  }

  @Override
  public void fail(Throwable cause) {
    queued = false;
    stop(cause);
  }

  private void stop(Throwable cause) {
    if (finished) {
      return;
    }
    finished = true;
    withdraw();
    upstream.cancel();
    actual.onError(cause);
  }

  /** Withdraws every frame still waiting: their places are free for other senders at once. */
  private void withdraw() {
    if (waiting != null && !waiting.isEmpty()) {
      for (Frame frame : waiting) {
        outbox.free(frame);
      }
      waiting.clear();
    }
    if (queued) {
      queued = false;
      outbox.remove(this);
    }
  }
}
