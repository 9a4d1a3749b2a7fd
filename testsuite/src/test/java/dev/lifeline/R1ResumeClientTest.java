package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.internal.ResumeMessages;
import dev.lifeline.internal.ResumeMessages.Message;
import dev.lifeline.support.VirtualClock;
import dev.lifeline.testing.InMemoryTransport.Peer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * R1–R8, the client's rules of {@code lifeline.resume.v1} (docs/resume-protocol.md), on virtual
 * time against an in-memory peer that speaks the protocol from the test.
 */
class R1ResumeClientTest {
  private static final byte[] SESSION = bytes(7);
  private static final byte[] OTHER_SESSION = bytes(9);

  private final VirtualClock clock = new VirtualClock();

  private static byte[] bytes(int seed) {
    byte[] id = new byte[ResumeMessages.SESSION_ID_LENGTH];
    Arrays.fill(id, (byte) seed);
    return id;
  }

  private VirtualClock.Supervised resuming() {
    clock.transport.selectSubprotocol(Resume.PROTOCOL);
    return clock.connect(s -> s.resume(Resume.defaults()));
  }

  /** The resume control messages {@code peer} received, in order. */
  private static List<Message> controls(Peer peer) {
    return peer.received().stream()
        .filter(ResumeMessages::isControl)
        .map(f -> ResumeMessages.decode((Frame.Pong) f))
        .toList();
  }

  /** What {@code peer} received that is data, as texts. */
  private static List<String> data(Peer peer) {
    return peer.received().stream()
        .filter(f -> f instanceof Frame.Text)
        .map(f -> ((Frame.Text) f).text())
        .toList();
  }

  private static void send(SupervisedConnection c, String... texts) {
    for (String t : texts) {
      c.send(Frame.text(t)).subscribe();
    }
  }

  @Test
  void r1OffersTheSubprotocolAndRunsPlainWhenThePeerDoesNotSelectIt() {
    var supervised = clock.connect(s -> s.resume(Resume.defaults())); // the peer selects nothing

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> send(supervised.connection(), "one"))
        .then(
            () -> {
              Peer peer = clock.transport.lastPeer();
              assertThat(peer.offeredSubprotocols()).containsExactly(Resume.PROTOCOL);
              assertThat(peer.received()).containsExactly(Frame.text("one")); // no HELLO
            })
        .then(() -> clock.transport.lastPeer().send(Frame.pong(new byte[] {'L', 'L', 'R', '1'})))
        .then(() -> assertThat(clock.transport.lastPeer().isOpen()).isTrue())
        .thenCancel()
        .verify();
    assertThat(supervised.events().all(ConnectionEvent.SessionStarted.class)).isEmpty();
  }

  @Test
  void r1WithoutResumeNothingIsOffered() {
    var supervised = clock.connect();
    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> assertThat(clock.transport.lastPeer().offeredSubprotocols()).isEmpty())
        .thenCancel()
        .verify();
  }

  @Test
  void r2HelloGoesFirstAndDataWaitsForTheWelcome() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> send(supervised.connection(), "one", "two"))
        .then(
            () -> {
              Peer peer = clock.transport.lastPeer();
              assertThat(peer.received()).hasSize(1);
              Message hello = controls(peer).get(0);
              assertThat((char) hello.type()).isEqualTo('H');
              assertThat(hello.received()).isZero();
              assertThat(hello.session()).isNull();
              peer.send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION));
              assertThat(data(peer)).containsExactly("one", "two");
            })
        .thenCancel()
        .verify();
    assertThat(supervised.events().all(ConnectionEvent.SessionStarted.class))
        .singleElement()
        .extracting(ConnectionEvent.SessionStarted::attempt)
        .isEqualTo(0);
  }

  @Test
  void r3AfterAnOutageTheClientNamesItsSessionAndReplaysWhatTheServerDidNotReceive() {
    var supervised = resuming();
    List<Frame> inbound = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(() -> send(supervised.connection(), "f1", "f2", "f3", "f4", "f5"))
        .then(() -> clock.transport.lastPeer().send(Frame.text("s1")))
        .expectNext(Frame.text("s1"))
        .then(() -> clock.transport.lastPeer().send(Frame.text("s2")))
        .expectNext(Frame.text("s2"))
        // the server read f1..f3 only; the rest died in the network
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> send(supervised.connection(), "f6"))
        .thenAwait(ms(4_999))
        .then(() -> assertThat(clock.transport.peers()).hasSize(1))
        .thenAwait(ms(1))
        .then(
            () -> {
              Peer second = clock.transport.lastPeer();
              assertThat(second.index()).isEqualTo(1);
              Message hello = controls(second).get(0);
              assertThat(hello.received()).isEqualTo(2); // s1, s2
              assertThat(hello.session()).isEqualTo(SESSION);
              assertThat(second.received()).hasSize(1); // nothing before the WELCOME
              second.send(ResumeMessages.welcome(ResumeMessages.RESUMED, 3, SESSION));
              assertThat(data(second)).containsExactly("f4", "f5", "f6");
              // the server replays what the client did not receive, and it is delivered once
              second.send(Frame.text("s3"));
            })
        .expectNext(Frame.text("s3"))
        .thenCancel()
        .verify();

    ConnectionEvent.SessionResumed resumed =
        supervised.events().all(ConnectionEvent.SessionResumed.class).get(0);
    assertThat(resumed.attempt()).isEqualTo(1);
    assertThat(resumed.replayedFrames()).isEqualTo(2);
    assertThat(resumed.downtime()).isEqualTo(ms(5_000));
    // the frames written into the dead connection are replayed, not reported as possibly lost
    assertThat(supervised.events().all(ConnectionEvent.Disconnected.class))
        .singleElement()
        .extracting(ConnectionEvent.Disconnected::unconfirmedFrames)
        .isEqualTo(0L);
  }

  @Test
  void r4AcknowledgementsAreCumulativeAndCoalescedEvery32Frames() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(
            () ->
                IntStream.rangeClosed(1, 70)
                    .forEach(i -> clock.transport.lastPeer().send(Frame.text("s" + i))))
        .expectNextCount(70)
        .then(
            () ->
                assertThat(controls(clock.transport.lastPeer()))
                    .extracting(m -> (char) m.type() + ":" + m.received())
                    .containsExactly("H:0", "A:32", "A:64"))
        .thenCancel()
        .verify();
  }

  @Test
  void r4TheRestIsAcknowledgedWithTheNextHeartbeat() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(() -> clock.transport.lastPeer().send(Frame.text("s1")))
        .expectNext(Frame.text("s1"))
        .thenAwait(ms(59_999))
        .then(
            () ->
                assertThat(controls(clock.transport.lastPeer()))
                    .extracting(m -> (char) m.type())
                    .containsExactly('H'))
        .thenAwait(ms(1))
        .then(
            () -> {
              Peer peer = clock.transport.lastPeer();
              assertThat(controls(peer))
                  .extracting(m -> (char) m.type() + ":" + m.received())
                  .containsExactly("H:0", "A:1");
              assertThat(peer.received().get(peer.received().size() - 1))
                  .isInstanceOf(Frame.Ping.class);
            })
        .thenCancel()
        .verify();
  }

  @Test
  void r5AFullReplayBufferHoldsNewFramesAsksForAnAckOnceAndGoesOnWhenAcknowledged() {
    clock.transport.selectSubprotocol(Resume.PROTOCOL);
    var supervised =
        clock.connect(
            s -> s.resume(Resume.defaults().withReplayBufferFrames(3)).outboundBufferCapacity(2));
    List<String> outcomes = new ArrayList<>();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(
            () ->
                IntStream.rangeClosed(1, 6)
                    .forEach(
                        i ->
                            supervised
                                .connection()
                                .send(Frame.text("f" + i))
                                .subscribe(
                                    null,
                                    e ->
                                        outcomes.add("f" + i + ": " + e.getClass().getSimpleName()),
                                    () -> outcomes.add("f" + i + ": sent"))))
        .then(
            () -> {
              Peer peer = clock.transport.lastPeer();
              assertThat(data(peer)).containsExactly("f1", "f2", "f3");
              assertThat(controls(peer)).extracting(m -> (char) m.type()).containsExactly('H', 'Q');
              // f4, f5 wait in the outbound buffer (2 places); f6 finds it full: failed, not
              // dropped
              assertThat(outcomes)
                  .containsExactly(
                      "f1: sent", "f2: sent", "f3: sent", "f6: OutboundBufferFullException");
              peer.send(ResumeMessages.ack(2));
              assertThat(data(peer)).containsExactly("f1", "f2", "f3", "f4", "f5");
              assertThat(outcomes).contains("f4: sent", "f5: sent");
            })
        .thenCancel()
        .verify();
  }

  @Test
  void r6AnUnknownSessionIsReportedWithItsUnconfirmedFramesAndANewOneStarts() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(() -> send(supervised.connection(), "f1", "f2", "f3"))
        .then(() -> clock.transport.lastPeer().send(ResumeMessages.ack(1)))
        .then(() -> clock.transport.lastPeer().send(Frame.text("s1")))
        .expectNext(Frame.text("s1"))
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(5_000))
        .then(
            () -> {
              Peer second = clock.transport.lastPeer();
              second.send(ResumeMessages.welcome(ResumeMessages.NEW, 0, OTHER_SESSION));
              send(supervised.connection(), "g1");
              assertThat(data(second)).containsExactly("g1"); // f2, f3 are not replayed
            })
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(5_000))
        .then(
            () -> {
              Message hello = controls(clock.transport.lastPeer()).get(0);
              assertThat(hello.session()).isEqualTo(OTHER_SESSION);
              assertThat(hello.received()).isZero(); // counting began again with the new session
            })
        .thenCancel()
        .verify();

    assertThat(supervised.events().all(ConnectionEvent.SessionLost.class))
        .singleElement()
        .satisfies(
            lost -> {
              assertThat(lost.attempt()).isEqualTo(1);
              assertThat(lost.unconfirmedFrames()).isEqualTo(2);
            });
    assertThat(supervised.events().all(ConnectionEvent.SessionStarted.class)).hasSize(2);
  }

  @Test
  void r6AServerThatStopsSelectingResumeLosesTheSessionExplicitly() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(() -> send(supervised.connection(), "f1"))
        .then(() -> clock.transport.selectSubprotocol(""))
        .then(() -> clock.transport.lastPeer().end())
        .thenAwait(ms(5_000))
        .then(() -> send(supervised.connection(), "g1"))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().received()).containsExactly(Frame.text("g1")))
        .thenCancel()
        .verify();

    assertThat(supervised.events().all(ConnectionEvent.SessionLost.class))
        .singleElement()
        .extracting(ConnectionEvent.SessionLost::unconfirmedFrames)
        .isEqualTo(1L);
  }

  @Test
  void r7AnImpossibleAcknowledgementClosesWith1002AndEndsSupervision() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(() -> send(supervised.connection(), "f1"))
        .then(() -> clock.transport.lastPeer().send(ResumeMessages.ack(2)))
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(ProtocolViolationException.class);
              assertThat(((ProtocolViolationException) e).code()).isEqualTo(1002);
              assertThat(e.getMessage())
                  .contains("acknowledged 2 frames, but 0 to 1 were possible")
                  .contains("disable resume");
            })
        .verify();
    assertThat(clock.transport.peers().get(0).closeFromClient().code()).isEqualTo(1002);
  }

  @Test
  void r7DataBeforeTheWelcomeIsAViolation() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("too early")))
        .expectErrorSatisfies(
            e -> assertThat(e).hasMessageContaining("data frame before its WELCOME"))
        .verify();
  }

  @Test
  void r8ResumeRefusesAHeartbeatThatSendsDataFrames() {
    Supervisor supervisor = Supervisor.create(clock.transport);
    assertThatThrownBy(
            () ->
                supervisor.heartbeat(Heartbeat.text("heart_beat", "ok")).resume(Resume.defaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use Heartbeat.ping()");
    assertThatThrownBy(
            () ->
                supervisor.resume(Resume.defaults()).heartbeat(Heartbeat.text("heart_beat", "ok")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStreamedSendContinuesAcrossAResumedReconnectWithoutLossOrDuplicates() {
    var supervised = resuming();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(ResumeMessages.welcome(ResumeMessages.NEW, 0, SESSION)))
        .then(
            () ->
                supervised
                    .connection()
                    .send(Flux.range(1, 100).map(i -> Frame.text("f" + i)))
                    .subscribe())
        .then(() -> clock.transport.lastPeer().end()) // the server read none of them
        .thenAwait(ms(5_000))
        .then(
            () -> {
              Peer second = clock.transport.lastPeer();
              second.send(ResumeMessages.welcome(ResumeMessages.RESUMED, 0, SESSION));
              assertThat(data(second))
                  .containsExactlyElementsOf(
                      IntStream.rangeClosed(1, 100).mapToObj(i -> "f" + i).toList());
            })
        .thenCancel()
        .verify();
  }
}
