package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chaos rows: the connection ends visibly (RST, FIN, server restart). Each outage is followed by
 * exactly one new connection (C4), and frames sent while disconnected arrive in order (C9).
 */
class OutageTest {

  private static final int QUEUED = 20;

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void resetIsFollowedByExactlyOneNewConnectionAndQueuedFramesArriveInOrder() {
    Outcome outcome = survive(events -> network.proxy().reset());

    assertThat(network.proxy().accepted()).isEqualTo(2);
    Chaos.report("RST", outcome.describe());
  }

  @Test
  void finIsFollowedByExactlyOneNewConnectionAndQueuedFramesArriveInOrder() {
    Outcome outcome = survive(events -> network.proxy().closeConnections());

    assertThat(outcome.disconnected.closeCode()).hasValue(1006);
    assertThat(network.proxy().accepted()).isEqualTo(2);
    Chaos.report("FIN", outcome.describe());
  }

  @Test
  void serverRestartIsFollowedByExactlyOneNewConnectionAndQueuedFramesArriveInOrder() {
    Outcome outcome =
        survive(
            events -> {
              // down long enough that two reconnect attempts are refused
              network.server().stop();
              events.await(Disconnected.class, 3);
              network.server().restart();
            });

    // attempts made while the server was down reach the proxy too, and each is refused: every
    // attempt is exactly one proxied connection, and exactly one of them was upgraded
    assertThat(outcome.attempts).isGreaterThanOrEqualTo(4);
    assertThat(network.proxy().accepted()).isEqualTo(outcome.attempts);
    Chaos.report("server restart", outcome.describe());
  }

  private record Outcome(Disconnected disconnected, int attempts, long reconnectMillis) {
    String describe() {
      return "1 outage -> 1 new connection after "
          + attempts
          + " attempts in total, reconnected in "
          + reconnectMillis
          + " ms; cause "
          + disconnected.cause().getClass().getSimpleName()
          + "; "
          + QUEUED
          + " queued frames delivered in order";
    }
  }

  private Outcome survive(Consumer<EventRecorder> outage) {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/echo"), 50).connection();
    List<String> echoed = new ArrayList<>();
    AtomicBoolean queued = new AtomicBoolean();
    AtomicInteger failedSends = new AtomicInteger();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      // frames sent the moment the connection is gone wait for the next one
      events.onEvent(
          event -> {
            if (event instanceof Disconnected && queued.compareAndSet(false, true)) {
              for (int i = 0; i < QUEUED; i++) {
                ws.send(Frame.text("queued-" + i))
                    .subscribe(null, error -> failedSends.incrementAndGet());
              }
            }
          });
      ws.inbound()
          .ofType(Frame.Text.class)
          .subscribe(
              text -> {
                synchronized (echoed) {
                  echoed.add(text.text());
                }
              },
              error -> {});
      events.await(Connected.class, 1);
      ws.send(Frame.text("before")).block(Chaos.PATIENCE);
      RealTime.await("the echo of the first frame", () -> snapshot(echoed).size() == 1);

      long start = System.nanoTime();
      outage.accept(events);
      Disconnected disconnected = events.await(Disconnected.class, 1);
      RealTime.await("the echo of every queued frame", () -> snapshot(echoed).size() == 1 + QUEUED);
      long reconnectMillis =
          TimeUnit.NANOSECONDS.toMillis(events.seen(Connected.class).get(1).nanoTime() - start);

      List<String> expected = new ArrayList<>();
      expected.add("before");
      IntStream.range(0, QUEUED).forEach(i -> expected.add("queued-" + i));
      assertThat(snapshot(echoed)).containsExactlyElementsOf(expected);
      assertThat(failedSends).hasValue(0);
      assertThat(events.count(Connected.class)).isEqualTo(2);
      assertThat(network.server().upgrades()).isEqualTo(2);
      assertThat(events.count(Disconnected.class)).isEqualTo(events.count(Connecting.class) - 1);
      RealTime.await("one open connection through the proxy", () -> network.proxy().open() == 1);
      return new Outcome(disconnected, events.count(Connecting.class), reconnectMillis);
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  private static List<String> snapshot(List<String> list) {
    synchronized (list) {
      return new ArrayList<>(list);
    }
  }
}
