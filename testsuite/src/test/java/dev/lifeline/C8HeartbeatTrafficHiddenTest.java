package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.HeartbeatSent;
import dev.lifeline.support.VirtualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * C8: heartbeat traffic never reaches the application's inbound stream. Each answered heartbeat
 * reports its round-trip time.
 */
class C8HeartbeatTrafficHiddenTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void pongsAndPingsNeverReachTheApplication() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(Frame.pong())
                    .send(Frame.ping())
                    .send(Frame.text("data"))
                    .send(Frame.binary(new byte[] {1, 2})))
        .expectNext(Frame.text("data"), Frame.binary(new byte[] {1, 2}))
        .thenCancel()
        .verify();
  }

  @Test
  void answeredHeartbeatReportsItsRoundTripToTheMillisecond() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(60_000 + 137))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    HeartbeatAnswered answered = supervised.events().next(HeartbeatAnswered.class, 60_137);
    assertThat(answered.sequence()).isEqualTo(1);
    assertThat(answered.roundTrip()).isEqualTo(Duration.ofMillis(137));
  }

  @Test
  void secondAnswerToTheSameHeartbeatIsNotReportedAgain() {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(60_000))
        .then(() -> clock.transport.lastPeer().send(Frame.pong()).send(Frame.pong()))
        .thenAwait(ms(1))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    supervised.events().next(HeartbeatAnswered.class, 60_000);
    supervised.events().next(ConnectionEvent.Closed.class, 60_001);
    supervised.events().assertNoMore();
  }

  @Test
  void seedTextDialectSendsHeartBeatAndHidesOk() {
    var supervised = clock.connect(s -> s.heartbeat(Heartbeat.text("heart_beat", "ok")));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(60_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .containsExactly("heart_beat"))
        .thenAwait(ms(42))
        .then(() -> clock.transport.lastPeer().send(Frame.text("ok")).send(Frame.text("okay")))
        .expectNext(Frame.text("okay"))
        .thenCancel()
        .verify();

    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    supervised.events().next(HeartbeatSent.class, 60_000);
    assertThat(supervised.events().next(HeartbeatAnswered.class, 60_042).roundTrip())
        .isEqualTo(Duration.ofMillis(42));
  }

  @Test
  void customDialectRecognisesItsOwnAnswer() {
    Heartbeat json =
        Heartbeat.custom(
            seq -> Frame.text("{\"type\":\"ping\",\"id\":" + seq + "}"),
            frame -> frame instanceof Frame.Text t && t.text().startsWith("{\"type\":\"pong\""));
    var supervised = clock.connect(s -> s.heartbeat(json.interval(Duration.ofSeconds(10))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(10_000))
        .then(
            () ->
                assertThat(clock.transport.lastPeer().receivedTexts())
                    .containsExactly("{\"type\":\"ping\",\"id\":1}"))
        .then(
            () ->
                clock
                    .transport
                    .lastPeer()
                    .send(Frame.text("{\"type\":\"pong\",\"id\":1}"))
                    .send(Frame.text("{\"type\":\"quote\"}")))
        .expectNext(Frame.text("{\"type\":\"quote\"}"))
        .thenCancel()
        .verify();
  }

  @Test
  void answerTextArrivingWhenNoHeartbeatAwaitsIsTheApplications() {
    var supervised = clock.connect(s -> s.heartbeat(Heartbeat.text("heart_beat", "ok")));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("ok")))
        .expectNext(Frame.text("ok"))
        .thenAwait(ms(60_000))
        .then(() -> clock.transport.lastPeer().send(Frame.text("ok")))
        .thenAwait(ms(1))
        .then(() -> clock.transport.lastPeer().send(Frame.text("ok")))
        .expectNext(Frame.text("ok"))
        .thenCancel()
        .verify();
  }
}
