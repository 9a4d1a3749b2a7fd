package dev.lifeline.chaos;

import static dev.lifeline.chaos.Chaos.I;
import static dev.lifeline.chaos.Chaos.T;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.PeerDead;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.support.EventRecorder;
import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Chaos rows: a slow network is not a dead one. */
class FalseDeathTest {

  private static final int HEARTBEATS = 10;

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void latencyBelowTheTimeoutCausesNoFalseDeathOverManyHeartbeats() {
    // 50 ms each way: every answer arrives about 100 ms after its heartbeat, within T = 200 ms
    network.proxy().delay(Duration.ofMillis(50));
    SupervisedConnection ws = Chaos.supervisor(network.uri("/echo"), 5).connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().subscribe(frame -> {}, error -> {});

      events.await(HeartbeatAnswered.class, HEARTBEATS);

      events.assertNone(PeerDead.class);
      events.assertNone(Disconnected.class);
      assertThat(events.count(Connected.class)).isEqualTo(1);
      LongSummaryStatistics rtt =
          events.all(HeartbeatAnswered.class).stream()
              .mapToLong(answered -> answered.roundTrip().toMillis())
              .summaryStatistics();
      assertThat(rtt.getMin()).isGreaterThanOrEqualTo(100);
      Chaos.report(
          "delay 50 ms/chunk",
          "0 false deaths over "
              + rtt.getCount()
              + " heartbeats; RTT min/avg/max "
              + rtt.getMin()
              + "/"
              + Math.round(rtt.getAverage())
              + "/"
              + rtt.getMax()
              + " ms (T = "
              + T.toMillis()
              + " ms)");
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  @Test
  void aTransferLongerThanTheTimeoutDelayingTheHeartbeatsAnswerCausesNoFalseDeath() {
    // the server answers the heartbeat "bulk" with 160 KiB of frames and only then "ok"; at
    // 80 kB/s the answer waits about 2 s behind the data, ten times T, while each 8 KiB frame
    // arrives about 100 ms after the one before and so proves the peer alive
    Heartbeat bulk = Heartbeat.text("bulk", "ok").interval(I).timeout(T);
    SupervisedConnection ws =
        Chaos.supervisor(network.uri("/bulk"), 5).heartbeat(bulk).connection();
    AtomicInteger frames = new AtomicInteger();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().ofType(Frame.Binary.class).subscribe(frame -> frames.incrementAndGet(), e -> {});
      events.await(Connected.class, 1);
      network.proxy().throttle(80_000);

      HeartbeatAnswered answered = events.await(HeartbeatAnswered.class, 1);

      events.assertNone(PeerDead.class);
      events.assertNone(Disconnected.class);
      assertThat(frames.get()).isGreaterThanOrEqualTo(ChaosServer.BULK_FRAMES);
      assertThat(answered.roundTrip()).isGreaterThan(T.multipliedBy(2));
      Chaos.report(
          "throttle 80 kB/s",
          "heartbeat answered after "
              + answered.roundTrip().toMillis()
              + " ms behind "
              + ChaosServer.BULK_FRAMES * ChaosServer.BULK_FRAME_BYTES / 1024
              + " KiB (T = "
              + T.toMillis()
              + " ms); 0 false deaths");
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  @Test
  void aSingleFrameLongerInTransitThanTheTimeoutCausesNoFalseDeath() {
    // the server answers the heartbeat "huge" with one 60 KiB frame, then "ok"; at 40 kB/s that
    // frame takes about 1.5 s to arrive whole, seven times T: the bytes arriving meanwhile, not
    // a whole frame, are what prove the peer alive
    Heartbeat huge = Heartbeat.text("huge", "ok").interval(I).timeout(T);
    SupervisedConnection ws =
        Chaos.supervisor(network.uri("/huge"), 5).heartbeat(huge).connection();
    AtomicInteger frames = new AtomicInteger();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().ofType(Frame.Binary.class).subscribe(frame -> frames.incrementAndGet(), e -> {});
      events.await(Connected.class, 1);
      network.proxy().throttle(40_000);

      HeartbeatAnswered answered = events.await(HeartbeatAnswered.class, 1);

      events.assertNone(PeerDead.class);
      events.assertNone(Disconnected.class);
      assertThat(frames.get()).isGreaterThanOrEqualTo(1);
      assertThat(answered.roundTrip()).isGreaterThan(T.multipliedBy(4));
      Chaos.report(
          "throttle 40 kB/s, one frame",
          "heartbeat answered after "
              + answered.roundTrip().toMillis()
              + " ms behind one "
              + ChaosServer.HUGE_FRAME_BYTES / 1024
              + " KiB frame (T = "
              + T.toMillis()
              + " ms); 0 false deaths");
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }
}
