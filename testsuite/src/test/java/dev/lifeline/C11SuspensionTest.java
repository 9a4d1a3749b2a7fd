package dev.lifeline;

import static dev.lifeline.support.EventRecorder.at;
import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.HeartbeatSent;
import dev.lifeline.ConnectionEvent.PeerDead;
import dev.lifeline.internal.SuspendDetector;
import dev.lifeline.support.VirtualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * C11: after the machine was suspended (its wall clock moved further than its monotonic clock by
 * more than 2 s), every live connection sends a heartbeat at the detector's next check instead of
 * waiting out its interval; a peer that answers is left alone, one that does not is dead {@code T}
 * later. Virtual time with the seed's I 60 s, T 5 s; the machine "sleeps" by moving only the wall
 * clock, as Linux's monotonic clock stops during a suspend, and the test runs the detector's check.
 */
class C11SuspensionTest {
  private static final long SLEPT = 600_000;

  private final VirtualClock clock = new VirtualClock();
  private final SuspendDetector detector =
      new SuspendDetector(null, Duration.ofSeconds(1), Duration.ofSeconds(2));

  private VirtualClock.Supervised connect() {
    return clock.connect(s -> s.suspendDetector(detector));
  }

  @Test
  void afterASleepAHeartbeatGoesAtOnceAndASilentPeerIsDeadOneTimeoutLater() {
    var supervised = connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(10_000))
        .then(() -> clock.scheduler.sleep(Duration.ofMillis(SLEPT)))
        .then(detector::check)
        .thenAwait(ms(4_999))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isTrue())
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.peers().get(0).aborted()).isTrue())
        .thenCancel()
        .verify();

    HeartbeatSent probe = supervised.events().nextSkippingOthers(HeartbeatSent.class);
    assertThat(probe.time()).isEqualTo(at(SLEPT + 10_000));
    assertThat(probe.sequence()).isEqualTo(1);
    PeerDead dead = supervised.events().nextSkippingOthers(PeerDead.class);
    assertThat(dead.time()).isEqualTo(at(SLEPT + 15_000));
    assertThat(dead.silence()).as("by the monotonic clock").isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void aPeerThatAnswersTheProbeIsNotDisturbed() {
    var supervised = connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(10_000))
        .then(() -> clock.scheduler.sleep(Duration.ofMillis(SLEPT)))
        .then(detector::check)
        .thenAwait(ms(20))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .thenAwait(ms(60_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(1))
        .then(() -> assertThat(clock.transport.lastPeer().isOpen()).isTrue())
        .thenCancel()
        .verify();

    supervised.events().nextSkippingOthers(HeartbeatSent.class);
    assertThat(supervised.events().nextSkippingOthers(HeartbeatAnswered.class).roundTrip())
        .isEqualTo(Duration.ofMillis(20));
    // the next one goes a quiet interval after the answer, as always (C2)
    assertThat(supervised.events().nextSkippingOthers(HeartbeatSent.class).time())
        .isEqualTo(at(SLEPT + 70_020));
    assertThat(supervised.events().all(PeerDead.class)).isEmpty();
  }

  @Test
  void wallClockAdjustmentsUnderTheThresholdProbeNothing() {
    var supervised = connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(10_000))
        .then(() -> clock.scheduler.sleep(Duration.ofMillis(1_999)))
        .then(detector::check)
        .thenAwait(ms(49_999))
        .then(() -> assertThat(supervised.events().all(HeartbeatSent.class)).isEmpty())
        .thenAwait(ms(1))
        .then(() -> assertThat(supervised.events().all(HeartbeatSent.class)).hasSize(1))
        .thenCancel()
        .verify();
  }

  @Test
  void aClosedConnectionIsNoLongerWatched() {
    var supervised = connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> assertThat(detector.watching()).isTrue())
        .thenCancel()
        .verify();

    assertThat(detector.watching()).isFalse();
    clock.scheduler.sleep(Duration.ofMillis(SLEPT));
    detector.check();
    assertThat(supervised.events().all(HeartbeatSent.class)).isEmpty();
  }
}
