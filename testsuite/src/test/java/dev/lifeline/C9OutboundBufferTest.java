package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.support.VirtualClock;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * C9: frames sent while disconnected wait in a bounded buffer and go out in order after the
 * reconnect. A full buffer fails that send; nothing is dropped silently. When supervision ends,
 * every frame still waiting fails with the terminal error. A disconnect reports how many frames
 * were written after the last proof of life.
 */
class C9OutboundBufferTest {
  private final VirtualClock clock = new VirtualClock();

  /** Subscribes a send of {@code text}, recording its outcome: "sent" or the error message. */
  private void send(SupervisedConnection connection, String text, List<String> outcomes) {
    connection
        .send(Frame.text(text))
        .subscribe(
            null,
            e -> outcomes.add(text + ": " + e.getMessage()),
            () -> outcomes.add(text + ": sent"));
  }

  @Test
  void sendCompletesWhenTheFrameIsHandedToALiveConnection() {
    var supervised = clock.connect();
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> send(supervised.connection(), "one", outcomes))
        .then(() -> assertThat(outcomes).containsExactly("one: sent"))
        .then(() -> assertThat(clock.transport.lastPeer().receivedTexts()).containsExactly("one"))
        .thenCancel()
        .verify();
  }

  @Test
  void framesSentDuringAnOutageArriveInOrderAfterTheReconnect() {
    var supervised = clock.connect();
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> clock.transport.refuse(new ConnectException("Connection refused")))
        .then(
            () ->
                IntStream.range(0, 10)
                    .forEach(i -> send(supervised.connection(), "f" + i, outcomes)))
        .thenAwait(ms(5_000))
        .then(() -> assertThat(outcomes).isEmpty())
        .then(() -> clock.transport.accept())
        .thenAwait(ms(4_999))
        .then(() -> assertThat(outcomes).isEmpty())
        .thenAwait(ms(1))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .containsExactly("f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"))
        .then(() -> assertThat(outcomes).hasSize(10).allMatch(o -> o.endsWith(": sent")))
        .thenCancel()
        .verify();
  }

  @Test
  void fullBufferFailsThatSendAndKeepsTheOthers() {
    var supervised = clock.connect(s -> s.outboundBufferCapacity(3));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(
            () ->
                IntStream.range(0, 4)
                    .forEach(i -> send(supervised.connection(), "f" + i, outcomes)))
        .then(
            () ->
                assertThat(outcomes)
                    .containsExactly(
                        "f3: outbound buffer full: 3 of 3 frames already wait for a connection;"
                            + " retry after the reconnect, slow down, or raise"
                            + " Supervisor.outboundBufferCapacity"))
        .then(
            () -> {
              // the refused frame took neither a place nor bytes
              assertThat(supervised.connection().queuedFrames()).isEqualTo(3);
              assertThat(supervised.connection().queuedBytes()).isEqualTo(3 * "f0".length());
            })
        .thenAwait(ms(5_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .containsExactly("f0", "f1", "f2"))
        .thenCancel()
        .verify();
  }

  @Test
  void framesStillWaitingWhenSupervisionGivesUpFailWithTheTerminalError() {
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(2, Duration.ofSeconds(1))));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.refuse(new ConnectException("Connection refused")))
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> send(supervised.connection(), "a", outcomes))
        .then(() -> send(supervised.connection(), "b", outcomes))
        .thenAwait(ms(2_000))
        .expectError(ReconnectsExhaustedException.class)
        .verify();

    String terminal =
        "gave up after 2 reconnect attempts; the last one failed: Connection refused"
            + " (ConnectException)";
    assertThat(outcomes).containsExactly("a: " + terminal, "b: " + terminal);

    send(supervised.connection(), "late", outcomes);
    assertThat(outcomes).last().isEqualTo("late: " + terminal);
  }

  @Test
  void framesStillWaitingWhenTheApplicationClosesFailWithSupervisorClosed() {
    var supervised = clock.connect();
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> send(supervised.connection(), "a", outcomes))
        .then(() -> supervised.connection().close().subscribe())
        .verifyComplete();

    assertThat(outcomes)
        .containsExactly(
            "a: supervision ended: the connection was closed before this frame was sent");
  }

  @Test
  void cancelledSendIsWithdrawn() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> supervised.connection().send(Frame.text("withdrawn")).subscribe().dispose())
        .then(() -> supervised.connection().send(Frame.text("kept")).subscribe())
        .thenAwait(ms(5_000))
        .then(() -> assertThat(clock.transport.lastPeer().receivedTexts()).containsExactly("kept"))
        .thenCancel()
        .verify();
  }

  @Test
  void closeFramesAreRefusedWithAPointerToClose() {
    StepVerifier.create(clock.connect().connection().send(Frame.close(1000, "")))
        .expectErrorMessage(
            "close frames are not sent with send(); call close() to end the connection")
        .verify();
  }

  @Test
  void disconnectCountsFramesNoAnsweredHeartbeatConfirmed() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> supervised.connection().send(Frame.text("confirmed")).subscribe())
        // a heartbeat leaves after "confirmed"; its answer proves the peer read "confirmed"
        .then(() -> clock.advance(60_000))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .then(
            () ->
                IntStream.range(0, 3)
                    .forEach(
                        i ->
                            supervised
                                .connection()
                                .send(Frame.text("maybe lost " + i))
                                .subscribe()))
        // a data frame proves the peer alive, not that it read the three frames: it may have
        // been sent before they arrived
        .then(() -> clock.transport.lastPeer().send(Frame.text("ack")))
        .expectNext(Frame.text("ack"))
        .then(() -> clock.transport.lastPeer().fail(new IOException("Connection reset")))
        .thenCancel()
        .verify();

    Disconnected disconnected = supervised.events().nextSkippingOthers(Disconnected.class);
    assertThat(disconnected.unconfirmedFrames()).isEqualTo(3);
  }

  @Test
  void numberedStreamThroughSeveralOutagesArrivesWithoutGapsOrDuplicates() {
    var supervised = clock.connect(s -> s.retry(Retry.fixedDelay(100, Duration.ofSeconds(1))));
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int outage = 0; outage < 5; outage++) {
                for (int i = 0; i < 20; i++) {
                  supervised
                      .connection()
                      .send(Frame.text(Integer.toString(next.getAndIncrement())))
                      .subscribe(null, failure::set);
                }
                clock.transport.lastPeer().end();
                for (int i = 0; i < 20; i++) {
                  supervised
                      .connection()
                      .send(Frame.text(Integer.toString(next.getAndIncrement())))
                      .subscribe(null, failure::set);
                }
                clock.advance(1_000);
              }
            })
        .thenCancel()
        .verify();

    List<String> delivered = new ArrayList<>();
    clock.transport.peers().forEach(p -> delivered.addAll(p.receivedTexts()));
    assertThat(failure).hasValue(null);
    assertThat(delivered)
        .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(Integer::toString).toList());
  }

  @Test
  void cancelledSendsFreeTheirPlaceInTheBuffer() {
    var supervised = clock.connect(s -> s.outboundBufferCapacity(2));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> supervised.connection().send(Frame.text("a")).subscribe().dispose())
        .then(() -> supervised.connection().send(Frame.text("b")).subscribe().dispose())
        .then(() -> assertThat(supervised.connection().queuedBytes()).isZero())
        .then(() -> send(supervised.connection(), "c", outcomes))
        .then(() -> send(supervised.connection(), "dé", outcomes))
        .then(() -> assertThat(supervised.connection().queuedBytes()).isEqualTo(4))
        .thenAwait(ms(5_000))
        .then(() -> assertThat(supervised.connection().queuedBytes()).isZero())
        .then(() -> assertThat(outcomes).containsExactly("c: sent", "dé: sent"))
        .then(
            () -> assertThat(clock.transport.lastPeer().receivedTexts()).containsExactly("c", "dé"))
        .thenCancel()
        .verify();
  }

  @Test
  void framesWaitForTheTransportsDemandAndTheHeartbeatOvertakesThem() {
    clock.transport.outboundDemand(0);
    var supervised = clock.connect();
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                IntStream.range(0, 3)
                    .forEach(i -> send(supervised.connection(), "f" + i, outcomes)))
        .thenAwait(ms(60_000))
        .then(() -> assertThat(outcomes).isEmpty())
        .then(() -> clock.transport.lastPeer().request(2))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().received())
                    .containsExactly(
                        Frame.ping(java.nio.ByteBuffer.allocate(8).putLong(0, 1L)),
                        Frame.text("f0")))
        .then(() -> assertThat(outcomes).containsExactly("f0: sent"))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()).request(10))
        .then(() -> assertThat(outcomes).containsExactly("f0: sent", "f1: sent", "f2: sent"))
        .thenCancel()
        .verify();
  }

  @Test
  void streamOfFramesGoesOutInOrderAcrossAnOutageAndCompletesWhenTheLastLeft() {
    var supervised = clock.connect();
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(
            () ->
                supervised
                    .connection()
                    .send(reactor.core.publisher.Flux.range(0, 100).map(i -> Frame.text("s" + i)))
                    .subscribe(null, e -> outcomes.add(e.getMessage()), () -> outcomes.add("sent")))
        .then(() -> assertThat(outcomes).isEmpty())
        .thenAwait(ms(5_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .containsExactlyElementsOf(
                        IntStream.range(0, 100).mapToObj(i -> "s" + i).toList()))
        .then(() -> assertThat(outcomes).containsExactly("sent"))
        .thenCancel()
        .verify();
  }

  @Test
  void streamLargerThanTheBufferIsBackpressuredNotRefusedWhileConnected() {
    clock.transport.outboundDemand(0);
    var supervised = clock.connect(s -> s.outboundBufferCapacity(40));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                supervised
                    .connection()
                    .send(reactor.core.publisher.Flux.range(0, 1_000).map(i -> Frame.text("s" + i)))
                    .subscribe(null, e -> outcomes.add(e.getMessage()), () -> outcomes.add("sent")))
        // only the prefetch was taken from the stream while the peer reads nothing
        .then(() -> assertThat(outcomes).isEmpty())
        .then(() -> clock.transport.lastPeer().request(1_000))
        .then(() -> assertThat(clock.transport.lastPeer().receivedTexts()).hasSize(1_000))
        .then(() -> assertThat(outcomes).containsExactly("sent"))
        .thenCancel()
        .verify();
  }

  @Test
  void aStreamAloneWaitsInABufferSmallerThanItsPrefetchInsteadOfOverflowingIt() {
    var supervised = clock.connect(s -> s.outboundBufferCapacity(10));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(
            () ->
                supervised
                    .connection()
                    .send(reactor.core.publisher.Flux.range(0, 20).map(i -> Frame.text("s" + i)))
                    .subscribe(null, e -> outcomes.add(e.getMessage()), () -> outcomes.add("sent")))
        .then(() -> assertThat(outcomes).as("waiting, not failed").isEmpty())
        .thenAwait(ms(5_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .containsExactlyElementsOf(
                        IntStream.range(0, 20).mapToObj(i -> "s" + i).toList()))
        .then(() -> assertThat(outcomes).containsExactly("sent"))
        .thenCancel()
        .verify();
  }

  @Test
  void streamThatOverflowsTheBufferFailsAndWithdrawsItsWaitingFrames() {
    var supervised = clock.connect(s -> s.outboundBufferCapacity(10));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().end())
        .then(
            () -> {
              for (int i = 0; i < 5; i++) {
                send(supervised.connection(), "single" + i, outcomes);
              }
            })
        .then(
            () ->
                supervised
                    .connection()
                    .send(reactor.core.publisher.Flux.range(0, 20).map(i -> Frame.text("s" + i)))
                    .subscribe(null, e -> outcomes.add(e.getMessage()), () -> outcomes.add("sent")))
        .then(
            () ->
                assertThat(outcomes)
                    .containsExactly(
                        "outbound buffer full: 10 of 10 frames already wait for a connection;"
                            + " retry after the reconnect, slow down, or raise"
                            + " Supervisor.outboundBufferCapacity"))
        .then(
            () -> {
              // the stream's five waiting frames gave their places and bytes back
              assertThat(supervised.connection().queuedFrames()).isEqualTo(5);
              assertThat(supervised.connection().queuedBytes()).isEqualTo(5 * "single0".length());
            })
        .thenAwait(ms(5_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .as("the stream's waiting frames were withdrawn")
                    .containsExactly("single0", "single1", "single2", "single3", "single4"))
        .thenCancel()
        .verify();
  }
}
