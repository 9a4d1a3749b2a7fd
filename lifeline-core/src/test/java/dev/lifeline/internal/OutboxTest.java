package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The outbox on its own, one thread at a time: how streamed frames are batched, interleaved,
 * withdrawn and counted, and how single sends skip the queue.
 */
class OutboxTest extends OutboxFixture {

  @Test
  void framesOfTwoStreamsInterleaveByBatchAndKeepTheirOwnOrder() {
    Outbox outbox = outbox(1_000);
    Writer writer = connect(outbox, 0);
    List<String> outcomes = new ArrayList<>();
    record(outbox.sendAll(texts("a", 40)), "a", outcomes);
    record(outbox.sendAll(texts("b", 40)), "b", outcomes);
    assertThat(inside(outbox::waiting)).isEqualTo(2 * PREFETCH);

    writer.request(1_000);

    // each stream prefetched 32; a visit takes all a stream holds, then it queues behind the other
    List<String> expected = new ArrayList<>(names("a", 0, 32));
    expected.addAll(names("b", 0, 32));
    expected.addAll(names("a", 32, 40));
    expected.addAll(names("b", 32, 40));
    assertThat(writer.texts).containsExactlyElementsOf(expected);
    assertThat(outcomes).containsExactly("a: sent", "b: sent");
    assertThat(inside(outbox::written)).isEqualTo(80);
    assertPlacesFree(outbox, writer, 1_000);
  }

  @Test
  void aSingleSendQueuedBehindAStreamGoesBetweenItsBatches() {
    Outbox outbox = outbox(1_000);
    Writer writer = connect(outbox, 0);
    List<String> outcomes = new ArrayList<>();
    record(outbox.sendAll(texts("s", 40)), "s", outcomes);
    record(outbox.send(Frame.text("single")), "single", outcomes);

    writer.request(1_000);

    List<String> expected = new ArrayList<>(names("s", 0, 32));
    expected.add("single");
    expected.addAll(names("s", 32, 40));
    assertThat(writer.texts).containsExactlyElementsOf(expected);
    assertThat(outcomes).containsExactly("single: sent", "s: sent");
    assertPlacesFree(outbox, writer, 1_000);
  }

  @Test
  void streamThatRanDryIsQueuedAgainWhenNewFramesArrive() {
    Outbox outbox = outbox(10);
    Writer writer = connect(outbox, 0);
    Sinks.Many<Frame> sink = Sinks.many().unicast().onBackpressureBuffer();
    List<String> outcomes = new ArrayList<>();
    record(outbox.sendAll(sink.asFlux()), "stream", outcomes);

    sink.tryEmitNext(Frame.text("f0"));
    sink.tryEmitNext(Frame.text("f1"));
    writer.request(2);
    assertThat(writer.texts).containsExactly("f0", "f1");
    assertThat(inside(outbox::waiting)).isZero();

    // ran dry and left the queue; new frames wait for demand and put it back
    sink.tryEmitNext(Frame.text("f2"));
    sink.tryEmitNext(Frame.text("f3"));
    assertThat(writer.texts).containsExactly("f0", "f1");
    assertThat(inside(outbox::waiting)).isEqualTo(2);
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
    assertPlacesFree(outbox, writer, 10);
  }

  @Test
  void cancellingAStreamMidBatchWithdrawsExactlyItsUnwrittenFrames() {
    Outbox outbox = outbox(50);
    Writer writer = connect(outbox, 0);
    List<String> outcomes = new ArrayList<>();
    Disposable stream = record(outbox.sendAll(texts("s", 30)), "s", outcomes);
    assertThat(inside(outbox::waiting)).isEqualTo(30);
    // the only way to be mid-batch: a batch is written within one input of the mailbox, so the
    // cancellation comes from inside it, here from the writer (in production: any callback the
    // engine makes inside, e.g. another send's completion)
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
    assertPlacesFree(outbox, writer, 50);
  }

  @Test
  void cancellingAWaitingStreamFreesItsPlacesAtOnce() {
    Outbox outbox = outbox(50);
    Writer writer = connect(outbox, 0);
    List<String> outcomes = new ArrayList<>();
    Disposable stream = record(outbox.sendAll(texts("s", 40)), "s", outcomes);
    assertThat(inside(outbox::waiting)).isEqualTo(PREFETCH);

    stream.dispose();

    // its 32 prefetched frames hold no place any more, and it left the queue
    assertThat(inside(outbox::waiting)).isZero();
    assertPlacesFree(outbox, writer, 50);
    assertThat(writer.texts).isEmpty();
    assertThat(outcomes).isEmpty();
  }

  @Test
  void bufferFullCountsFramesAcrossStreamsBatchesAndSingleSends() {
    Outbox outbox = outbox(50);
    Writer writer = connect(outbox, 0);
    List<String> outcomes = new ArrayList<>();

    // a holds its prefetch of 32 places; b gets the 18 left and fails on its 19th frame
    record(outbox.sendAll(texts("a", 100)), "a", outcomes);
    record(outbox.sendAll(texts("b", 100)), "b", outcomes);
    assertThat(outcomes).containsExactly("b: " + FULL_50);
    assertThat(inside(outbox::waiting)).isEqualTo(PREFETCH);
    // b's 18 waiting frames were withdrawn, so 18 single sends fit and the 19th does not
    IntStream.range(0, 19)
        .forEach(i -> record(outbox.send(Frame.text("x" + i)), "x" + i, outcomes));
    assertThat(outcomes).containsExactly("b: " + FULL_50, "x18: " + FULL_50);
    assertThat(inside(outbox::waiting)).isEqualTo(50);

    writer.request(1_000);

    assertThat(writer.texts).hasSize(118).doesNotContain("b0");
    assertThat(writer.texts.stream().filter(t -> t.startsWith("a")).toList())
        .containsExactlyElementsOf(names("a", 0, 100));
    assertThat(outcomes).contains("a: sent").hasSize(2 + 18 + 1);
    assertThat(inside(outbox::written)).isEqualTo(118);
    // every place taken through batches of several sizes was given back exactly once
    assertPlacesFree(outbox, writer, 50);
  }

  @Test
  void heartbeatOvertakesTheFramesAStreamHasWaiting() {
    Outbox outbox = outbox(100);
    Writer writer = connect(outbox, 0);
    outbox.sendAll(texts("s", 10)).subscribe();

    inside(() -> outbox.sendHeartbeat(Frame.ping()));
    writer.request(3);

    assertThat(writer.frames).containsExactly(Frame.ping(), Frame.text("s0"), Frame.text("s1"));
    // the heartbeat is no application frame
    assertThat(inside(outbox::written)).isEqualTo(2);
    writer.request(100);
    assertThat(inside(outbox::written)).isEqualTo(10);
  }

  @Test
  void terminationFailsAStreamWithWaitingFramesAndLaterSends() {
    Outbox outbox = outbox(100);
    Writer writer = connect(outbox, 2);
    List<String> outcomes = new ArrayList<>();
    record(outbox.sendAll(texts("s", 10)), "s", outcomes);
    assertThat(inside(outbox::waiting)).isEqualTo(8);

    inside(() -> outbox.terminate(new IOException("gone")));
    record(outbox.send(Frame.text("late")), "late", outcomes);
    record(outbox.sendAll(texts("t", 3)), "t", outcomes);

    assertThat(writer.texts).containsExactly("s0", "s1");
    assertThat(outcomes).containsExactly("s: gone", "late: gone", "t: gone");
    assertThat(inside(outbox::waiting)).isZero();
  }

  @Test
  void emptyStreamCompletesAtOnceWithoutAConnection() {
    Outbox outbox = outbox(10);
    List<String> outcomes = new ArrayList<>();

    record(outbox.sendAll(Flux.empty()), "empty", outcomes);

    assertThat(outcomes).containsExactly("empty: sent");
  }

  @Test
  void eachSubscriptionToOneSendSendsTheFrameAgain() {
    Outbox outbox = outbox(10);
    Writer writer = connect(outbox, 0);
    List<String> outcomes = new ArrayList<>();
    Mono<Void> send = outbox.send(Frame.text("f"));

    Disposable first = record(send, "first", outcomes);
    record(send, "second", outcomes);
    record(send, "third", outcomes);
    assertThat(inside(outbox::waiting)).isEqualTo(3);
    first.dispose();
    assertThat(inside(outbox::waiting)).isEqualTo(2);
    writer.request(10);

    assertThat(writer.texts).containsExactly("f", "f");
    assertThat(outcomes).containsExactly("second: sent", "third: sent");
    assertPlacesFree(outbox, writer, 10);
  }

  @Test
  void aSendToAConnectionWithDemandAndNothingWaitingIsWrittenWithinTheSubscribe() {
    Outbox outbox = outbox(10);
    Writer writer = connect(outbox, 1);
    List<String> outcomes = new ArrayList<>();

    record(outbox.send(Frame.text("now")), "now", outcomes);

    assertThat(writer.texts).containsExactly("now");
    assertThat(outcomes).containsExactly("now: sent");
    assertThat(inside(outbox::written)).isEqualTo(1);
    assertThat(inside(outbox::waiting)).isZero();
  }
}
