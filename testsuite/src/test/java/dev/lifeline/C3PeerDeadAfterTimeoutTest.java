package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.HeartbeatSent;
import dev.lifeline.ConnectionEvent.PeerDead;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.support.VirtualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * C3: if no inbound frame arrives within {@code T} after a heartbeat, the peer is dead at exactly
 * heartbeat + {@code T}: the connection is closed and a reconnect begins.
 */
class C3PeerDeadAfterTimeoutTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void peerSilentForTimeoutAfterHeartbeatIsDeclaredDeadAtThatInstant() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(64_999))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isTrue())
        .thenAwait(ms(1))
        .then(
            () -> {
              assertThat(clock.transport.peers().get(0).isOpen()).isFalse();
              assertThat(clock.transport.peers().get(0).aborted()).isTrue();
            })
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    PeerDead dead = supervised.events().next(PeerDead.class, 65_000);
    assertThat(dead.sequence()).isEqualTo(1);
    assertThat(dead.silence()).isEqualTo(Duration.ofSeconds(65));
    Disconnected disconnected = supervised.events().next(Disconnected.class, 65_000);
    assertThat(disconnected.cause())
        .isInstanceOf(PeerDeadException.class)
        .hasMessage(
            "no frame from peer within 5000 ms after heartbeat #1 (0 answered before): the"
                + " network or the peer is dead, or the peer does not answer this heartbeat (if"
                + " it is alive, check the dialect: Heartbeat.ping() or the text it answers)");
    assertThat(supervised.events().next(ReconnectScheduled.class, 65_000).delay())
        .isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void reconnectStartsOneDelayAfterDeath() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(65_000 + 4_999))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1))
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .thenCancel()
        .verify();
  }

  @Test
  void anyFrameWithinTheTimeoutProvesLife() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(64_999))
        .then(() -> clock.transport.lastPeer().send(Frame.text("late but alive")))
        .expectNext(Frame.text("late but alive"))
        .thenAwait(ms(60_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1))
        .then(() -> assertThat(clock.transport.lastPeer().isOpen()).isTrue())
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    // the late frame at 64 999 restarted the quiet interval
    assertThat(supervised.events().next(HeartbeatSent.class, 124_999).sequence()).isEqualTo(2);
    supervised.events().next(ConnectionEvent.Closed.class, 124_999);
    supervised.events().assertNoMore();
  }

  @Test
  void deathMessageCountsTheHeartbeatsAnsweredBefore() {
    var supervised =
        clock.connect(
            s ->
                s.heartbeat(
                    Heartbeat.ping()
                        .interval(Duration.ofMillis(300))
                        .timeout(Duration.ofMillis(200))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 6; i++) {
                clock.advance(300);
                clock.transport.lastPeer().send(Frame.pong());
              }
            })
        // peer goes silent: heartbeat #7 at 1800 + 300 = 2100, dead at 2300
        .thenAwait(ms(499))
        .then(() -> assertThat(clock.transport.lastPeer().isOpen()).isTrue())
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isFalse())
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    for (int i = 1; i <= 6; i++) {
      supervised.events().next(HeartbeatSent.class, 300L * i);
      assertThat(supervised.events().next(HeartbeatAnswered.class, 300L * i).roundTrip())
          .isEqualTo(Duration.ZERO);
    }
    supervised.events().next(HeartbeatSent.class, 2_100);
    supervised.events().next(PeerDead.class, 2_300);
    assertThat(supervised.events().next(Disconnected.class, 2_300).cause())
        .hasMessage(
            "no frame from peer within 200 ms after heartbeat #7 (6 answered before): the"
                + " network or the peer is dead");
  }

  @Test
  void applicationThatStopsRequestingIsNotMistakenForADeadPeer() {
    var supervised = clock.connect();

    StepVerifier.withVirtualTime(
            () -> supervised.connection().inbound(), () -> clock.virtualTime, 1)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("first")))
        .expectNext(Frame.text("first"))
        // the application requests nothing more; the peer's answer waits unread behind data
        .then(() -> clock.transport.lastPeer().send(Frame.text("unread")).send(Frame.pong()))
        .thenAwait(ms(60_000 + 5_000 + 5_000))
        .then(() -> assertThat(clock.transport.lastPeer().isOpen()).isTrue())
        .thenRequest(1)
        .expectNext(Frame.text("unread"))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1))
        // demand is back and the peer goes silent: the watchdog judges it again
        .thenRequest(Long.MAX_VALUE)
        .thenAwait(ms(65_000))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isFalse())
        .thenCancel()
        .verify();
  }
}
