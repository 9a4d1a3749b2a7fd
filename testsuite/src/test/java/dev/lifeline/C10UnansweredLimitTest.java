package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.HeartbeatSent;
import dev.lifeline.ConnectionEvent.PeerDead;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.VirtualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * C10: with {@code Heartbeat.unansweredLimit(N)}, a peer silent since {@code s} gets heartbeats at
 * {@code s + I + k·T} ({@code k = 0 .. N-1}) and is dead at exactly {@code s + I + N·T}; any frame
 * in between proves life, and the count starts again. I = 60 s, T = 5 s here, as the defaults.
 */
class C10UnansweredLimitTest {
  private final VirtualClock clock = new VirtualClock();

  private VirtualClock.Supervised connect(int limit) {
    return clock.connect(s -> s.heartbeat(Heartbeat.ping().unansweredLimit(limit)));
  }

  @Test
  void aSilentPeerGetsLimitHeartbeatsOneTimeoutApartAndIsDeadAfterTheLast() {
    var supervised = connect(3);

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(74_999))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isTrue())
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.peers().get(0).aborted()).isTrue())
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    assertThat(supervised.events().next(HeartbeatSent.class, 60_000).sequence()).isEqualTo(1);
    assertThat(supervised.events().next(HeartbeatSent.class, 65_000).sequence()).isEqualTo(2);
    assertThat(supervised.events().next(HeartbeatSent.class, 70_000).sequence()).isEqualTo(3);
    PeerDead dead = supervised.events().next(PeerDead.class, 75_000);
    assertThat(dead.sequence()).isEqualTo(3);
    assertThat(dead.unanswered()).isEqualTo(3);
    assertThat(dead.silence()).isEqualTo(Duration.ofSeconds(75));
    Disconnected disconnected = supervised.events().next(Disconnected.class, 75_000);
    assertThat(disconnected.cause())
        .isInstanceOfSatisfying(
            PeerDeadException.class, e -> assertThat(e.unanswered()).isEqualTo(3))
        .hasMessage(
            "no frame from peer within 5000 ms after each of 3 heartbeats in a row (#1 to #3, 0"
                + " answered before): the network or the peer is dead, or the peer does not"
                + " answer this heartbeat (if it is alive, check the dialect: Heartbeat.ping() or"
                + " the text it answers)");
    assertThat(clock.transport.lastPeer().received())
        .as("the three pings on the wire")
        .filteredOn(f -> f instanceof Frame.Ping)
        .hasSize(3);
  }

  @Test
  void aLateAnswerBeforeTheLimitProvesLifeAndTheCountStartsAgain() {
    var supervised = connect(2);

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        // heartbeat #1 at 60 000 goes unanswered; #2 at 65 000 is answered late, at 69 999
        .thenAwait(ms(69_999))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        // the quiet interval runs from the answer: #3 at 129 999, #4 at 134 999, dead at 139 999
        .thenAwait(ms(139_998 - 69_999))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isTrue())
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isFalse())
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    supervised.events().next(HeartbeatSent.class, 65_000);
    HeartbeatAnswered answered = supervised.events().next(HeartbeatAnswered.class, 69_999);
    assertThat(answered.sequence()).isEqualTo(2);
    assertThat(answered.roundTrip())
        .as("measured from the latest heartbeat")
        .isEqualTo(Duration.ofMillis(4_999));
    supervised.events().next(HeartbeatSent.class, 129_999);
    supervised.events().next(HeartbeatSent.class, 134_999);
    PeerDead dead = supervised.events().next(PeerDead.class, 139_999);
    assertThat(dead.sequence()).isEqualTo(4);
    assertThat(dead.unanswered()).isEqualTo(2);
    assertThat(supervised.events().next(Disconnected.class, 139_999).cause())
        .hasMessage(
            "no frame from peer within 5000 ms after each of 2 heartbeats in a row (#3 to #4, 1"
                + " answered before): the network or the peer is dead");
  }

  @Test
  void anyDataFrameBetweenRetriesProvesLife() {
    var supervised = connect(3);

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(66_000))
        .then(() -> clock.transport.lastPeer().send(Frame.text("still here")))
        .expectNext(Frame.text("still here"))
        .thenAwait(ms(60_000 - 1))
        .then(() -> assertThat(supervised.events().count(HeartbeatSent.class)).isEqualTo(2))
        .thenAwait(ms(1))
        .then(() -> assertThat(supervised.events().count(HeartbeatSent.class)).isEqualTo(3))
        .thenCancel()
        .verify();

    assertThat(supervised.events().count(PeerDead.class)).isZero();
  }

  @Test
  void theDefaultLimitOfOneIsC3() {
    assertThat(Heartbeat.ping().unansweredLimit()).isEqualTo(1);
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(65_000))
        .thenCancel()
        .verify();

    PeerDead dead = supervised.events().nextSkippingOthers(PeerDead.class);
    assertThat(dead.time()).isEqualTo(EventRecorder.at(65_000));
    assertThat(dead.unanswered()).isEqualTo(1);
    assertThat(supervised.events().all(HeartbeatSent.class)).hasSize(1);
  }

  @Test
  void aLimitBelowOneIsRefusedWithItsValue() {
    assertThatThrownBy(() -> Heartbeat.ping().unansweredLimit(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "heartbeat unansweredLimit must be at least 1 (the heartbeat whose timeout declares"
                + " the peer dead), was 0");
    assertThat(Heartbeat.text("hb", "ok").unansweredLimit(4).interval(Duration.ofSeconds(9)))
        .hasToString("Heartbeat[text(hb -> ok), interval=PT9S, timeout=PT5S, unansweredLimit=4]");
  }
}
