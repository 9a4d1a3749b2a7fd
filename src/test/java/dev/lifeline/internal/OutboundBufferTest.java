package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The outbound buffer on its own, with a transport whose demand the test sets: how streamed frames
 * are batched, interleaved, withdrawn and counted, and how single sends skip the queue.
 */
class OutboundBufferTest {

  private static final String FULL_50 =
      "outbound buffer full: 50 of 50 frames already wait for a connection; retry after the"
          + " reconnect, slow down, or raise Supervisor.outboundBufferCapacity";

  /** A transport's writer: records what it is handed and requests only what the test says. */
  private static final class Writer implements CoreSubscriber<Frame> {
    final List<String> texts = Collections.synchronizedList(new ArrayList<>());
    final List<Frame> frames = Collections.synchronizedList(new ArrayList<>());
    volatile Consumer<Frame> onEach = f -> {};
    Subscription subscription;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(Frame frame) {
      frames.add(frame);
      if (frame instanceof Frame.Text text) {
        texts.add(text.text());
      }
      onEach.accept(frame);
    }

    @Override
    public void onError(Throwable t) {
      throw new AssertionError("an outbound stream never fails", t);
    }

    @Override
    public void onComplete() {
      throw new AssertionError("an outbound stream never completes");
    }

    Writer request(long n) {
      subscription.request(n);
      return this;
    }
  }

  private static Writer connect(OutboundBuffer buffer, long demand) {
    Writer writer = new Writer();
    buffer.newOutbound().subscribe(writer);
    if (demand > 0) {
      writer.request(demand);
    }
    return writer;
  }

  private static Flux<Frame> texts(String prefix, int count) {
    return Flux.range(0, count).map(i -> Frame.text(prefix + i));
  }

  private static List<String> names(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
  }

  /** Subscribes {@code send}, recording its outcome in {@code outcomes}: "sent" or the message. */
  private static Disposable record(Mono<Void> send, String name, List<String> outcomes) {
    return send.subscribe(
        null, e -> outcomes.add(name + ": " + e.getMessage()), () -> outcomes.add(name + ": sent"));
  }

  @Test
  void framesOfTwoStreamsInterleaveByBatchAndKeepTheirOwnOrder() {
    OutboundBuffer buffer = new OutboundBuffer(1_000);
    Writer writer = connect(buffer, 0);
    List<String> outcomes = new ArrayList<>();
    record(buffer.sendAll(texts("a", 40)), "a", outcomes);
    record(buffer.sendAll(texts("b", 40)), "b", outcomes);

    writer.request(1_000);

    // each stream prefetched 32; a visit takes all a stream holds, then it queues behind the other
    List<String> expected = new ArrayList<>(names("a", 0, 32));
    expected.addAll(names("b", 0, 32));
    expected.addAll(names("a", 32, 40));
    expected.addAll(names("b", 32, 40));
    assertThat(writer.texts).containsExactlyElementsOf(expected);
    assertThat(outcomes).containsExactly("a: sent", "b: sent");
  }

  @Test
  void aSingleSendQueuedBehindAStreamGoesBetweenItsBatches() {
    OutboundBuffer buffer = new OutboundBuffer(1_000);
    Writer writer = connect(buffer, 0);
    List<String> outcomes = new ArrayList<>();
    record(buffer.sendAll(texts("s", 40)), "s", outcomes);
    record(buffer.send(Frame.text("single")), "single", outcomes);

    writer.request(1_000);

    List<String> expected = new ArrayList<>(names("s", 0, 32));
    expected.add("single");
    expected.addAll(names("s", 32, 40));
    assertThat(writer.texts).containsExactlyElementsOf(expected);
    assertThat(outcomes).containsExactly("single: sent", "s: sent");
  }

  @Test
  void streamThatRanDryIsQueuedAgainWhenNewFramesArrive() {
    OutboundBuffer buffer = new OutboundBuffer(10);
    Writer writer = connect(buffer, 0);
    Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
    List<String> outcomes = new ArrayList<>();
    record(buffer.sendAll(sink.asFlux()), "stream", outcomes);

    sink.tryEmitNext(Frame.text("f0"));
    sink.tryEmitNext(Frame.text("f1"));
    writer.request(2);
    assertThat(writer.texts).containsExactly("f0", "f1");

    // ran dry and left the queue; new frames wait for demand and put it back
    sink.tryEmitNext(Frame.text("f2"));
    sink.tryEmitNext(Frame.text("f3"));
    assertThat(writer.texts).containsExactly("f0", "f1");
    writer.request(1);
    assertThat(writer.texts).containsExactly("f0", "f1", "f2");
    writer.request(5);
    assertThat(writer.texts).containsExactly("f0", "f1", "f2", "f3");

    // with demand left and nothing waiting, a new frame goes out at once
    sink.tryEmitNext(Frame.text("f4"));
    assertThat(writer.texts).containsExactly("f0", "f1", "f2", "f3", "f4");
    assertThat(outcomes).isEmpty();
    sink.tryEmitComplete();
    assertThat(outcomes).containsExactly("stream: sent");
  }

  @Test
  void cancellingAStreamMidBatchWithdrawsExactlyItsUnwrittenFrames() {
    OutboundBuffer buffer = new OutboundBuffer(50);
    Writer writer = connect(buffer, 0);
    List<String> outcomes = new ArrayList<>();
    Disposable stream = record(buffer.sendAll(texts("s", 30)), "s", outcomes);
    writer.onEach =
        frame -> {
          if (frame.equals(Frame.text("s4"))) {
            stream.dispose();
          }
        };

    writer.request(1_000);

    assertThat(writer.texts).containsExactlyElementsOf(names("s", 0, 5));
    assertThat(outcomes).isEmpty();
    // the 25 withdrawn frames freed their places: all 50 are free again
    assertPlacesFree(buffer, writer, 50);
  }

  @Test
  void cancellingAWaitingStreamFreesItsPlacesAtOnce() {
    OutboundBuffer buffer = new OutboundBuffer(50);
    Writer writer = connect(buffer, 0);
    List<String> outcomes = new ArrayList<>();
    Disposable stream = record(buffer.sendAll(texts("s", 40)), "s", outcomes);

    stream.dispose();

    // its 32 prefetched frames left no place taken, although its ticket is still queued
    assertPlacesFree(buffer, writer, 50);
    assertThat(writer.texts).isEmpty();
    assertThat(outcomes).isEmpty();
  }

  @Test
  void bufferFullCountsFramesAcrossStreamsBatchesAndSingleSends() {
    OutboundBuffer buffer = new OutboundBuffer(50);
    Writer writer = connect(buffer, 0);
    List<String> outcomes = new ArrayList<>();

    // a holds its prefetch of 32 places; b gets the 18 left and fails on its 19th frame
    record(buffer.sendAll(texts("a", 100)), "a", outcomes);
    record(buffer.sendAll(texts("b", 100)), "b", outcomes);
    assertThat(outcomes).containsExactly("b: " + FULL_50);
    // b's 18 waiting frames were withdrawn, so 18 single sends fit and the 19th does not
    IntStream.range(0, 19)
        .forEach(i -> record(buffer.send(Frame.text("x" + i)), "x" + i, outcomes));
    assertThat(outcomes).containsExactly("b: " + FULL_50, "x18: " + FULL_50);

    writer.request(1_000);

    assertThat(writer.texts).hasSize(118).doesNotContain("b0");
    assertThat(writer.texts.stream().filter(t -> t.startsWith("a")).toList())
        .containsExactlyElementsOf(names("a", 0, 100));
    assertThat(outcomes).contains("a: sent").hasSize(2 + 18 + 1);
    // every place taken through batches of several sizes was given back exactly once
    assertPlacesFree(buffer, writer, 50);
  }

  @Test
  void heartbeatOvertakesTheFramesAStreamHasWaiting() {
    OutboundBuffer buffer = new OutboundBuffer(100);
    Writer writer = new Writer();
    OutboundBuffer.Outbound outbound = buffer.newOutbound();
    outbound.subscribe(writer);
    buffer.sendAll(texts("s", 10)).subscribe();

    outbound.sendHeartbeat(Frame.ping());
    writer.request(3);

    assertThat(writer.frames).containsExactly(Frame.ping(), Frame.text("s0"), Frame.text("s1"));
    assertThat(outbound.written()).isEqualTo(2);
    writer.request(100);
    assertThat(outbound.written()).isEqualTo(10);
  }

  @Test
  void terminationFailsAStreamWithWaitingFramesAndLaterSends() {
    OutboundBuffer buffer = new OutboundBuffer(100);
    Writer writer = connect(buffer, 2);
    List<String> outcomes = new ArrayList<>();
    record(buffer.sendAll(texts("s", 10)), "s", outcomes);

    buffer.terminate(new IOException("gone"));
    record(buffer.send(Frame.text("late")), "late", outcomes);
    record(buffer.sendAll(texts("t", 3)), "t", outcomes);

    assertThat(writer.texts).containsExactly("s0", "s1");
    assertThat(outcomes).containsExactly("s: gone", "late: gone", "t: gone");
  }

  @Test
  void emptyStreamCompletesAtOnceWithoutAConnection() {
    OutboundBuffer buffer = new OutboundBuffer(10);
    List<String> outcomes = new ArrayList<>();

    record(buffer.sendAll(Flux.empty()), "empty", outcomes);

    assertThat(outcomes).containsExactly("empty: sent");
  }

  @Test
  void eachSubscriptionToOneSendSendsTheFrameAgain() {
    OutboundBuffer buffer = new OutboundBuffer(10);
    Writer writer = connect(buffer, 0);
    List<String> outcomes = new ArrayList<>();
    Mono<Void> send = buffer.send(Frame.text("f"));

    Disposable first = record(send, "first", outcomes);
    record(send, "second", outcomes);
    record(send, "third", outcomes);
    first.dispose();
    writer.request(10);

    assertThat(writer.texts).containsExactly("f", "f");
    assertThat(outcomes).containsExactly("second: sent", "third: sent");
    assertPlacesFree(buffer, writer, 10);
  }

  @Test
  void aSendToAConnectionWithDemandAndNothingWaitingIsWrittenWithinTheSubscribe() {
    OutboundBuffer buffer = new OutboundBuffer(10);
    Writer writer = connect(buffer, 1);
    List<String> outcomes = new ArrayList<>();

    record(buffer.send(Frame.text("now")), "now", outcomes);

    assertThat(writer.texts).containsExactly("now");
    assertThat(outcomes).containsExactly("now: sent");
  }

  @Test
  void concurrentStreamsAndSendsLoseNothingAndKeepEachSendersOrder() throws Exception {
    int perSender = 20_000;
    OutboundBuffer buffer = new OutboundBuffer(1_000);
    Writer writer = new Writer();
    OutboundBuffer.Outbound outbound = buffer.newOutbound();
    // the transport asks for more in small batches from its own onNext, like a socket writer
    writer.onEach =
        f -> {
          if (writer.frames.size() % 16 == 0) {
            writer.request(16);
          }
        };
    outbound.subscribe(writer);
    writer.request(16);

    CompletableFuture<Void> a =
        CompletableFuture.supplyAsync(() -> buffer.sendAll(texts("a", perSender)).toFuture())
            .thenCompose(f -> f);
    CompletableFuture<Void> b =
        CompletableFuture.supplyAsync(
                () -> {
                  Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
                  CompletableFuture<Void> sent = buffer.sendAll(sink.asFlux()).toFuture();
                  for (int i = 0; i < perSender; i++) {
                    sink.emitNext(Frame.text("b" + i), Sinks.EmitFailureHandler.FAIL_FAST);
                  }
                  sink.emitComplete(Sinks.EmitFailureHandler.FAIL_FAST);
                  return sent;
                })
            .thenCompose(f -> f);
    CompletableFuture<Void> c =
        CompletableFuture.supplyAsync(
                () ->
                    Flux.range(0, perSender)
                        .concatMap(i -> buffer.send(Frame.text("c" + i)))
                        .then()
                        .toFuture())
            .thenCompose(f -> f);

    // completes only when every sender's last frame was handed over
    CompletableFuture.allOf(a, b, c).get(30, TimeUnit.SECONDS);

    List<String> texts;
    synchronized (writer.texts) {
      texts = List.copyOf(writer.texts);
    }
    for (String sender : List.of("a", "b", "c")) {
      assertThat(texts.stream().filter(t -> t.startsWith(sender)).toList())
          .containsExactlyElementsOf(names(sender, 0, perSender));
    }
    assertThat(texts).hasSize(3 * perSender);
    assertThat(outbound.written()).isEqualTo(3L * perSender);
    assertPlacesFree(buffer, writer, 1_000);
  }

  @Test
  void streamsCancelledFromAnotherThreadWhileBeingWrittenLeaveEveryPlaceFree() throws Exception {
    OutboundBuffer buffer = new OutboundBuffer(64);
    Writer writer = new Writer();
    // demand runs out every 8 frames, so streams keep going through their rings
    writer.onEach =
        f -> {
          if (writer.frames.size() % 8 == 0) {
            writer.request(8);
          }
        };
    buffer.newOutbound().subscribe(writer);
    writer.request(8);
    Random random = new Random(5);

    for (int round = 0; round < 300; round++) {
      AtomicReference<Disposable> send = new AtomicReference<>();
      CountDownLatch subscribed = new CountDownLatch(1);
      Thread sender =
          new Thread(
              () -> {
                Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
                send.set(buffer.sendAll(sink.asFlux()).subscribe());
                subscribed.countDown();
                for (int i = 0; i < 100 && sink.tryEmitNext(Frame.text("f" + i)).isSuccess(); i++) {
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
    }

    assertPlacesFree(buffer, writer, 64);
  }

  /**
   * Proves that exactly {@code capacity} places are free: with the writer asking for nothing,
   * {@code capacity} single sends wait and one more is refused. Withdraws them afterwards.
   */
  private static void assertPlacesFree(OutboundBuffer buffer, Writer writer, int capacity) {
    writer.subscription.cancel(); // detached: nothing is written any more
    List<String> outcomes = new ArrayList<>();
    List<Disposable> waiting = new ArrayList<>();
    for (int i = 0; i <= capacity; i++) {
      waiting.add(record(buffer.send(Frame.text("probe" + i)), "probe" + i, outcomes));
    }
    assertThat(outcomes)
        .as("only the send beyond %d places is refused", capacity)
        .containsExactly(
            "probe" + capacity + ": " + new OutboundBufferFullException(capacity).getMessage());
    waiting.forEach(Disposable::dispose);
  }
}
