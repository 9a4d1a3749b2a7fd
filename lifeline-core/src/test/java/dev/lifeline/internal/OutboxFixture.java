package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * What the outbox tests share: an outbox in its mailbox, and a writer whose demand the test sets.
 *
 * <p>Everything that touches the outbox runs inside the mailbox, as in production: the sends hop in
 * by themselves; the connection's side ({@code attach}, {@code request}, {@code detach},
 * heartbeats, termination, the counters) goes through {@link #inside}.
 */
abstract class OutboxFixture {

  static final String FULL_50 =
      "outbound buffer full: 50 of 50 frames already wait for a connection; retry after the"
          + " reconnect, slow down, or raise Supervisor.outboundBufferCapacity";

  /** A stream's prefetch, and so the most frames one stream holds waiting (SendStream.PREFETCH). */
  static final int PREFETCH = 32;

  final Mailbox mailbox = new Mailbox(n -> {}, "outbox");

  /** Broken rules seen by a writer: checked after every test. */
  final List<String> problems = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void noWriterSawABrokenRule() {
    assertThat(problems).isEmpty();
  }

  /**
   * A transport's writer, and the owner of its connection: records what it is handed, checks that
   * it is handed frames inside the mailbox and one at a time, and requests only what the test says
   * (from inside its onNext directly, as {@code Link} does).
   */
  final class Writer implements Subscriber<Frame> {
    final Outbox outbox;
    final List<String> texts = Collections.synchronizedList(new ArrayList<>());
    final List<Frame> frames = Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean writing = new AtomicBoolean();
    volatile Consumer<Frame> onEach = f -> {};

    Writer(Outbox outbox) {
      this.outbox = outbox;
    }

    @Override
    public void onSubscribe(Subscription s) {
      problems.add("the outbox never subscribes its writer: Link does");
    }

    @Override
    public void onNext(Frame frame) {
      if (!mailbox.isInside()) {
        problems.add("written outside the mailbox: " + frame);
      }
      if (!writing.compareAndSet(false, true)) {
        problems.add("written while another frame was being written: " + frame);
      }
      frames.add(frame);
      if (frame instanceof Frame.Text text) {
        texts.add(text.text());
      }
      writing.set(false);
      onEach.accept(frame);
    }

    @Override
    public void onError(Throwable t) {
      problems.add("the outbox never signals its writer's end: " + t);
    }

    @Override
    public void onComplete() {
      problems.add("the outbox never signals its writer's end");
    }

    /** The transport's demand, as {@code LinkWriter.request} hands it over. */
    Writer request(long n) {
      if (mailbox.isInside()) {
        outbox.request(this, n); // asking for more from inside onNext
      } else {
        inside(() -> outbox.request(this, n));
      }
      return this;
    }
  }

  Outbox outbox(int capacity) {
    return new Outbox(mailbox, capacity);
  }

  /** A connection's writer, attached and with {@code demand}. */
  Writer connect(Outbox outbox, long demand) {
    Writer writer = new Writer(outbox);
    inside(
        () -> {
          outbox.attach(writer, writer);
          if (demand > 0) {
            outbox.request(writer, demand);
          }
        });
    return writer;
  }

  /** Runs {@code task} inside the mailbox and waits until it ran. */
  void inside(Runnable task) {
    inside(
        () -> {
          task.run();
          return null;
        });
  }

  /** Computes {@code value} inside the mailbox: inline if no one is inside, else by whoever is. */
  <T> T inside(Supplier<T> value) {
    CompletableFuture<T> result = new CompletableFuture<>();
    mailbox.execute(
        () -> {
          try {
            result.complete(value.get());
          } catch (Throwable e) {
            result.completeExceptionally(e); // the mailbox would only log it
          }
        });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the task inside the mailbox did not end", e);
    }
  }

  static Flux<Frame> texts(String prefix, int count) {
    return Flux.range(0, count).map(i -> Frame.text(prefix + i));
  }

  static List<String> names(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
  }

  /** Subscribes {@code send}, recording its outcome in {@code outcomes}: "sent" or the message. */
  static Disposable record(Mono<Void> send, String name, List<String> outcomes) {
    return send.subscribe(
        null, e -> outcomes.add(name + ": " + e.getMessage()), () -> outcomes.add(name + ": sent"));
  }

  /** Emits {@code texts} (and completes) on a new thread, and waits until it did. */
  static void emitFromAnotherThread(Sinks.Many<Frame> sink, List<String> texts, boolean complete) {
    Thread other =
        new Thread(
            () -> {
              texts.forEach(t -> sink.emitNext(Frame.text(t), Sinks.EmitFailureHandler.FAIL_FAST));
              if (complete) {
                sink.emitComplete(Sinks.EmitFailureHandler.FAIL_FAST);
              }
            });
    other.start();
    try {
      other.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    assertThat(other.isAlive()).isFalse();
  }

  /**
   * Proves that exactly {@code capacity} places are free: with the writer detached, {@code
   * capacity} single sends wait and one more is refused. Withdraws them afterwards.
   */
  void assertPlacesFree(Outbox outbox, Writer writer, int capacity) {
    inside(() -> outbox.detach(writer)); // nothing is written any more
    assertThat(inside(outbox::waiting)).as("places taken").isZero();
    List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
    List<Disposable> waiting = new ArrayList<>();
    for (int i = 0; i <= capacity; i++) {
      waiting.add(record(outbox.send(Frame.text("probe" + i)), "probe" + i, outcomes));
    }
    assertThat(outcomes)
        .as("only the send beyond %d places is refused", capacity)
        .containsExactly(
            "probe" + capacity + ": " + new OutboundBufferFullException(capacity).getMessage());
    waiting.forEach(Disposable::dispose);
    assertThat(inside(outbox::waiting)).as("places taken after the probes").isZero();
  }
}
