package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.HeartbeatSent;
import dev.lifeline.support.VirtualClock;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * C2: a heartbeat is sent after {@code I} without any inbound frame. Every inbound frame (data,
 * pong, ping) restarts that clock.
 */
class C2HeartbeatAfterQuietIntervalTest {
  private final VirtualClock clock = new VirtualClock();

  private long heartbeatsSent() {
    return clock.transport.lastPeer().received().stream()
        .filter(Frame.Ping.class::isInstance)
        .count();
  }

  @Test
  void firstHeartbeatGoesOutExactlyOneIntervalAfterConnecting() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(59_999))
        .then(() -> assertThat(heartbeatsSent()).isZero())
        .thenAwait(ms(1))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(1))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    assertThat(supervised.events().next(HeartbeatSent.class, 60_000).sequence()).isEqualTo(1);
  }

  @Test
  void rfcHeartbeatCarriesItsSequenceNumber() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(60_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().received())
                    .containsExactly(Frame.ping(ByteBuffer.allocate(8).putLong(0, 1L))))
        .thenCancel()
        .verify();
  }

  @Test
  void customIntervalIsHonouredToTheMillisecond() {
    var supervised =
        clock.connect(s -> s.heartbeat(Heartbeat.ping().interval(Duration.ofMillis(300))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(299))
        .then(() -> assertThat(heartbeatsSent()).isZero())
        .thenAwait(ms(1))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(1))
        .thenCancel()
        .verify();
  }

  @Test
  void dataFrameRestartsTheQuietInterval() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(30_000))
        .then(() -> clock.transport.lastPeer().send(Frame.text("news")))
        .expectNext(Frame.text("news"))
        .thenAwait(ms(59_999))
        .then(() -> assertThat(heartbeatsSent()).isZero())
        .thenAwait(ms(1))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(1))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 90_000);
    supervised.events().next(ConnectionEvent.Closed.class, 90_000);
    supervised.events().assertNoMore();
  }

  @Test
  void pingFromThePeerRestartsTheQuietInterval() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(45_000))
        .then(() -> clock.transport.lastPeer().send(Frame.ping()))
        .thenAwait(ms(59_999))
        .then(() -> assertThat(heartbeatsSent()).isZero())
        .thenAwait(ms(1))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(1))
        .thenCancel()
        .verify();
  }

  @Test
  void answeredHeartbeatRestartsTheQuietIntervalFromTheAnswer() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(60_000))
        .thenAwait(ms(250))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .thenAwait(ms(59_999))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(1))
        .thenAwait(ms(1))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(2))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    supervised.events().next(HeartbeatAnswered.class, 60_250);
    assertThat(supervised.events().next(HeartbeatSent.class, 120_250).sequence()).isEqualTo(2);
    supervised.events().next(ConnectionEvent.Closed.class, 120_250);
    supervised.events().assertNoMore();
  }

  @Test
  void steadyTrafficNeedsNoHeartbeatAtAll() {
    var supervised =
        clock.connect(s -> s.heartbeat(Heartbeat.ping().interval(Duration.ofMillis(1_000))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 100; i++) {
                clock.advance(999);
                clock.transport.lastPeer().send(Frame.text("tick " + i));
              }
            })
        .expectNextCount(100)
        .then(() -> assertThat(heartbeatsSent()).isZero())
        .thenCancel()
        .verify();
  }

  @Test
  void nextHeartbeatStaysExactWhenTheTimeoutIsLongerThanTheInterval() {
    var supervised =
        clock.connect(
            s ->
                s.heartbeat(
                    Heartbeat.ping()
                        .interval(Duration.ofMillis(200))
                        .timeout(Duration.ofSeconds(1))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(250))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .thenAwait(ms(199))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(1))
        .thenAwait(ms(1))
        .then(() -> assertThat(heartbeatsSent()).isEqualTo(2))
        // no answer to heartbeat #2 (sent at 450): dead at exactly 1450
        .thenAwait(ms(999))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isTrue())
        .thenAwait(ms(1))
        .then(() -> assertThat(clock.transport.peers().get(0).isOpen()).isFalse())
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 200);
    supervised.events().next(HeartbeatAnswered.class, 250);
    supervised.events().next(HeartbeatSent.class, 450);
    supervised.events().next(ConnectionEvent.PeerDead.class, 1_450);
  }
}
