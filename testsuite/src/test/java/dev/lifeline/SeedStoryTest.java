package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Closed;
import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.Exhausted;
import dev.lifeline.ConnectionEvent.HeartbeatSent;
import dev.lifeline.ConnectionEvent.PeerDead;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.support.VirtualClock;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/**
 * The seed's whole story with its defaults, as one timeline: the cable is pulled, the heartbeat at
 * 60 000 ms goes unanswered, the peer is dead at 65 000 ms, reconnects at 70 000, 75 000, … all
 * fail, and supervision gives up after the fifth.
 */
class SeedStoryTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void cablePulledHeartbeatUnansweredFiveReconnectsThenGiveUp() {
    ConnectException refused = new ConnectException("Network is unreachable");
    var supervised = clock.connect(s -> s.heartbeat(Heartbeat.text("heart_beat", "ok")));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        // the cable is pulled at once: the network swallows everything from now on
        .then(() -> clock.transport.refuse(refused))
        .expectNoEvent(ms(89_999))
        .thenAwait(ms(1))
        .expectErrorMessage(
            "gave up after 5 reconnect attempts; the last one failed: Network is unreachable"
                + " (ConnectException)")
        .verify();

    assertThat(clock.transport.peers().get(0).receivedTexts()).containsExactly("heart_beat");
    var events = supervised.events();
    events.next(Connecting.class, 0);
    events.next(Connected.class, 0);
    events.next(HeartbeatSent.class, 60_000);
    events.next(PeerDead.class, 65_000);
    assertThat(events.next(Disconnected.class, 65_000).cause())
        .isInstanceOf(PeerDeadException.class);
    for (int attempt = 1; attempt <= 5; attempt++) {
      long at = 65_000 + 5_000L * attempt;
      assertThat(events.next(ReconnectScheduled.class, at - 5_000).attempt()).isEqualTo(attempt);
      assertThat(events.next(Connecting.class, at).attempt()).isEqualTo(attempt);
      assertThat(events.next(Disconnected.class, at).cause()).isSameAs(refused);
    }
    assertThat(events.next(Exhausted.class, 90_000).attempts()).isEqualTo(5);
    events.next(Closed.class, 90_000);
    events.assertNoMore();
    assertThat(clock.scheduler.pending()).isZero();
  }
}
