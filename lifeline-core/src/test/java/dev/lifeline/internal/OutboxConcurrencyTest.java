package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The outbox with senders, cancellers and streams on other threads than the mailbox's: nothing is
 * lost, each sender's order is kept, and every place is free again at the end.
 */
class OutboxConcurrencyTest extends OutboxFixture {

  @Test
  void concurrentStreamsAndSendsLoseNothingAndKeepEachSendersOrder() throws Exception {
    int rounds = 30;
    int perSender = 2_000;
    for (int round = 0; round < rounds; round++) {
      Outbox outbox = outbox(1_000);
      Writer writer = new Writer(outbox);
      // the transport asks for more in small batches from its own onNext, like a socket writer
      writer.onEach =
          f -> {
            if (writer.frames.size() % 16 == 0) {
              writer.request(16);
            }
          };
      inside(() -> outbox.attach(writer, writer));
      writer.request(16);

      String a = "r" + round + "a";
      String b = "r" + round + "b";
      String c = "r" + round + "c";
      CyclicBarrier start = new CyclicBarrier(3);
      CompletableFuture<Void> sentA = new CompletableFuture<>();
      CompletableFuture<Void> sentB = new CompletableFuture<>();
      CompletableFuture<Void> sentC = new CompletableFuture<>();
      List<Thread> senders =
          List.of(
              // a stream emitting synchronously, inside, whenever it is asked
              sender(start, sentA, () -> outbox.sendAll(texts(a, perSender)).toFuture()),
              // a stream fed from its own thread
              sender(
                  start,
                  sentB,
                  () -> {
                    Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
                    CompletableFuture<Void> sent = outbox.sendAll(sink.asFlux()).toFuture();
                    for (int i = 0; i < perSender; i++) {
                      sink.emitNext(Frame.text(b + i), Sinks.EmitFailureHandler.FAIL_FAST);
                    }
                    sink.emitComplete(Sinks.EmitFailureHandler.FAIL_FAST);
                    return sent;
                  }),
              // single sends, each subscribed when the one before was written
              sender(
                  start,
                  sentC,
                  () ->
                      Flux.range(0, perSender)
                          .concatMap(i -> outbox.send(Frame.text(c + i)))
                          .then()
                          .toFuture()));
      senders.forEach(Thread::start);

      // completes only when every sender's last frame was handed over
      CompletableFuture.allOf(sentA, sentB, sentC).get(30, TimeUnit.SECONDS);
      for (Thread sender : senders) {
        sender.join(10_000);
      }

      List<String> texts = inside(() -> List.copyOf(writer.texts));
      for (String sender : List.of(a, b, c)) {
        assertThat(texts.stream().filter(t -> t.startsWith(sender)).toList())
            .as("round %d: the frames of %s, in its order", round, sender)
            .containsExactlyElementsOf(names(sender, 0, perSender));
      }
      assertThat(texts).hasSize(3 * perSender);
      assertThat(inside(outbox::written)).isEqualTo(3L * perSender);
      assertThat(inside(outbox::waiting)).isZero();
      assertPlacesFree(outbox, writer, 1_000);
    }
  }

  /** A thread that, once all are ready, starts a send and settles {@code sent} with its outcome. */
  private static Thread sender(
      CyclicBarrier start, CompletableFuture<Void> sent, Supplier<CompletableFuture<Void>> send) {
    return new Thread(
        () -> {
          try {
            start.await(10, TimeUnit.SECONDS);
            send.get()
                .whenComplete(
                    (v, e) -> {
                      if (e != null) {
                        sent.completeExceptionally(e);
                      } else {
                        sent.complete(null);
                      }
                    });
          } catch (Throwable e) {
            sent.completeExceptionally(e);
          }
        });
  }

  @Test
  void streamsCancelledFromAnotherThreadWhileBeingWrittenLeaveEveryPlaceFree() throws Exception {
    Outbox outbox = outbox(64);
    Writer writer = new Writer(outbox);
    // demand runs out every 8 frames, so streams keep going through their batches
    writer.onEach =
        f -> {
          if (writer.frames.size() % 8 == 0) {
            writer.request(8);
          }
        };
    inside(() -> outbox.attach(writer, writer));
    writer.request(8);
    Random random = new Random(5);

    for (int round = 0; round < 300; round++) {
      String prefix = "r" + round + "f";
      List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
      AtomicReference<Disposable> send = new AtomicReference<>();
      CountDownLatch subscribed = new CountDownLatch(1);
      Thread sender =
          new Thread(
              () -> {
                Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
                send.set(record(outbox.sendAll(sink.asFlux()), "stream", outcomes));
                subscribed.countDown();
                for (int i = 0;
                    i < 100 && sink.tryEmitNext(Frame.text(prefix + i)).isSuccess();
                    i++) {
                  // a cancelled stream refuses further frames
                }
                sink.tryEmitComplete();
              });
      sender.start();
      assertThat(subscribed.await(10, TimeUnit.SECONDS)).isTrue();
      for (int spin = random.nextInt(2_000); spin > 0; spin--) {
        Thread.onSpinWait();
      }
      send.get().dispose();
      sender.join(10_000);
      assertThat(sender.isAlive()).isFalse();

      // runs after the cancellation and every frame the sender offered: all of them settled
      int waiting = inside(outbox::waiting);
      List<String> written =
          inside(() -> writer.texts.stream().filter(t -> t.startsWith(prefix)).toList());
      assertThat(waiting).as("round %d: places still taken", round).isZero();
      // what was written before the cancellation took effect is the stream's beginning, in order
      assertThat(written)
          .as("round %d: frames written", round)
          .containsExactlyElementsOf(names(prefix, 0, written.size()));
      // a send cancelled before its last frame left reports nothing; one that completed first
      // wrote every frame
      assertThat(outcomes).isSubsetOf(List.of("stream: sent"));
      if (!outcomes.isEmpty()) {
        assertThat(written).hasSize(100);
      }
    }

    assertPlacesFree(outbox, writer, 64);
  }

  // ---- found while porting: frames a stream emits from another thread ------------------------

  /**
   * Frames reach the stream's subscriber on the thread that emits them. Those from a thread outside
   * the mailbox while another is inside are queued as tasks; the next frames, answering a request
   * the engine makes inside before those tasks ran, must still go after them.
   */
  @Test
  void framesAStreamEmitsFromAnotherThreadWhileTheMailboxIsBusyKeepTheirOrder() throws Exception {
    Outbox outbox = outbox(100);
    Writer writer = connect(outbox, 0);
    Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
    List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
    record(outbox.sendAll(sink.asFlux()), "stream", outcomes);
    // f0..f23 wait in the outbox: no demand yet
    names("f", 0, 24)
        .forEach(t -> sink.emitNext(Frame.text(t), Sinks.EmitFailureHandler.FAIL_FAST));

    inside(
        () -> {
          // while this thread is inside, another emits the rest of the prefetch, f24..f31, which
          // queue as tasks of the mailbox, and f32, which waits in the sink for demand
          emitFromAnotherThread(sink, names("f", 24, 33), false);
          // writes f0..f23 and so asks the stream for 24 more: f32 arrives, on this thread
          writer.request(1_000);
        });

    assertThat(writer.texts).containsExactlyElementsOf(names("f", 0, 33));
    assertThat(outcomes).isEmpty();
  }

  /** The same, with the stream's completion behind f32: the send completes after every frame. */
  @Test
  void aStreamCompletingWhileItsFramesFromAnotherThreadAreQueuedLosesNone() throws Exception {
    Outbox outbox = outbox(100);
    Writer writer = connect(outbox, 0);
    Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
    List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
    record(outbox.sendAll(sink.asFlux()), "stream", outcomes);
    names("f", 0, 24)
        .forEach(t -> sink.emitNext(Frame.text(t), Sinks.EmitFailureHandler.FAIL_FAST));

    inside(
        () -> {
          emitFromAnotherThread(sink, names("f", 24, 33), true);
          writer.request(1_000);
        });

    assertThat(writer.texts).as("frames written").containsExactlyElementsOf(names("f", 0, 33));
    assertThat(outcomes).containsExactly("stream: sent");
    assertThat(inside(outbox::waiting)).isZero();
  }
}
