package dev.lifeline.chaos;

import static dev.lifeline.chaos.Chaos.I;
import static dev.lifeline.chaos.Chaos.SLACK;
import static dev.lifeline.chaos.Chaos.T;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.ConnectionEvent.PeerDead;
import dev.lifeline.PeerDeadException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Chaos row: the unplugged cable. Only the heartbeat can notice it (C2, C3). */
class BlackholeTest {

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void blackholedPeerIsDeadNoEarlierThanIntervalPlusTimeoutAndTheClientReconnectsOnceItLifts() {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/echo"), 100).connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().subscribe(frame -> {}, error -> {});

      // a heartbeat was answered: the connection is proven alive, its last frame is that pong
      HeartbeatAnswered answered = events.await(HeartbeatAnswered.class, 1);
      network.proxy().blackhole();
      long cut = System.nanoTime();

      PeerDead dead = events.await(PeerDead.class, 1);
      long noticedMillis = Chaos.millisSince(cut);
      HeartbeatAnswered lastProof =
          events.all(HeartbeatAnswered.class).get(events.count(HeartbeatAnswered.class) - 1);
      Duration detection = Duration.between(lastProof.time(), dead.time());
      Disconnected disconnected = events.await(Disconnected.class, 1);

      // the scheduler's clock counts whole milliseconds: allow one for rounding
      assertThat(detection).isGreaterThanOrEqualTo(I.plus(T).minusMillis(1));
      assertThat(detection).isLessThanOrEqualTo(I.plus(T).plus(SLACK));
      assertThat(dead.silence()).isGreaterThanOrEqualTo(I.plus(T).minusMillis(1));
      assertThat(disconnected.cause()).isInstanceOf(PeerDeadException.class);
      assertThat(answered.sequence()).isGreaterThanOrEqualTo(1);

      // the cable is back: the client connects again through the same proxy
      network.proxy().pass();
      long lifted = System.nanoTime();
      events.await(Connected.class, 2);
      long reconnectMillis = Chaos.millisSince(lifted);
      events.await(HeartbeatAnswered.class, events.count(HeartbeatAnswered.class) + 1);
      assertThat(events.count(PeerDead.class)).isEqualTo(1);
      // the dead connection's sockets and any attempt that hung in the blackhole are closed
      RealTime.await("one open connection through the proxy", () -> network.proxy().open() == 1);

      Chaos.report(
          "blackhole",
          "peer-dead "
              + detection.toMillis()
              + " ms after the last frame (I+T = "
              + I.plus(T).toMillis()
              + " ms), "
              + noticedMillis
              + " ms after the cut; reconnected "
              + reconnectMillis
              + " ms after the blackhole lifted; "
              + network.proxy().accepted()
              + " connections accepted");
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }
}
