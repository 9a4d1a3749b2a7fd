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

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
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

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
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

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
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

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
        .expectSubscription()
        .then(() -> clock.transport.refuse(new ConnectException("Connection refused")))
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> send(supervised.connection(), "a", outcomes))
        .then(() -> send(supervised.connection(), "b", outcomes))
        .thenAwait(ms(2_000))
        .expectError(ReconnectsExhaustedException.class)
        .verify();

    String terminal =
        "gave up after 2 reconnect attempts; last cause: java.net.ConnectException: Connection"
            + " refused";
    assertThat(outcomes).containsExactly("a: " + terminal, "b: " + terminal);

    send(supervised.connection(), "late", outcomes);
    assertThat(outcomes).last().isEqualTo("late: " + terminal);
  }

  @Test
  void framesStillWaitingWhenTheApplicationClosesFailWithSupervisorClosed() {
    var supervised = clock.connect();
    List<String> outcomes = new ArrayList<>();

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
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

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
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
  void disconnectCountsFramesWrittenAfterThePeersLastFrame() {
    var supervised = clock.connect();

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
        .expectSubscription()
        .then(() -> supervised.connection().send(Frame.text("confirmed")).subscribe())
        .then(() -> clock.transport.lastPeer().send(Frame.text("ack")))
        .expectNext(Frame.text("ack"))
        .then(
            () ->
                IntStream.range(0, 3)
                    .forEach(
                        i ->
                            supervised
                                .connection()
                                .send(Frame.text("maybe lost " + i))
                                .subscribe()))
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

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, Long.MAX_VALUE)
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
}
