package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.HeartbeatAnswered;
import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import dev.lifeline.ReconnectsExhaustedException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.SupervisorClosedException;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * Nothing is lost silently (C9): a frame either reaches the peer, or its sender is told, or the
 * disconnect counts it among the frames that may have died with the connection.
 */
class NothingLostTest {

  private static final int PER_PHASE = 50;

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void aNumberedStreamThroughSeveralOutagesArrivesInOrderWithoutGapsOrDuplicates() {
    SupervisedConnection ws =
        Chaos.supervisor(network.uri("/record"), 50).outboundBufferCapacity(10_000).connection();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Runnable sendPhase =
        () -> {
          for (int i = 0; i < PER_PHASE; i++) {
            ws.send(Frame.text(String.valueOf(next.getAndIncrement())))
                .subscribe(null, error -> failed.incrementAndGet());
          }
        };
    List<Consumer<EventRecorder>> outages =
        List.of(
            events -> network.proxy().reset(),
            events -> network.proxy().closeConnections(),
            events -> {
              network.server().stop();
              events.await(Disconnected.class, events.count(Disconnected.class) + 2);
              network.server().restart();
            });
    try (EventRecorder events = new EventRecorder(ws.events())) {
      // the moment a connection is gone, a phase of frames is sent: none can reach a socket
      events.onEvent(
          event -> {
            if (event instanceof Disconnected) {
              sendPhase.run();
            }
          });
      ws.inbound().subscribe(frame -> {}, error -> {});
      events.await(Connected.class, 1);
      sendPhase.run();

      for (Consumer<EventRecorder> outage : outages) {
        // everything sent so far has arrived: no frame is in flight when the outage hits
        int sent = next.get();
        RealTime.await(sent + " frames recorded", () -> network.server().recorded().size() == sent);
        int connected = events.count(Connected.class);
        outage.accept(events);
        events.await(Connected.class, connected + 1);
      }
      int sent = next.get();
      RealTime.await(sent + " frames recorded", () -> network.server().recorded().size() == sent);

      List<String> expected = IntStream.range(0, sent).mapToObj(String::valueOf).toList();
      assertThat(network.server().recorded()).containsExactlyElementsOf(expected);
      assertThat(failed).hasValue(0);
      assertThat(events.count(Connected.class)).isEqualTo(1 + outages.size());
      Chaos.report(
          "numbered stream",
          sent
              + " frames through "
              + outages.size()
              + " outages (RST, FIN, restart) and "
              + events.count(Disconnected.class)
              + " failed connections: all delivered once, in order; 0 failed sends");
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  @Test
  void framesWrittenIntoABlackholeAreCountedAsUnconfirmedByTheDisconnect() {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/record"), 50).connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().subscribe(frame -> {}, error -> {});
      ws.send(Frame.text("confirmed")).block(Chaos.PATIENCE);
      RealTime.await("the first frame recorded", () -> network.server().recorded().size() == 1);

      // right after a heartbeat sent after "confirmed" was answered (the second from now: the
      // first may have left before it), the cable is cut; three frames go into the void
      events.await(HeartbeatAnswered.class, events.count(HeartbeatAnswered.class) + 2);
      network.proxy().blackhole();
      for (int i = 0; i < 3; i++) {
        ws.send(Frame.text("lost-" + i)).block(Chaos.PATIENCE);
      }

      Disconnected disconnected = events.await(Disconnected.class, 1);
      assertThat(disconnected.unconfirmedFrames()).isEqualTo(3);
      network.proxy().pass();
      events.await(Connected.class, 2);
      ws.send(Frame.text("after")).block(Chaos.PATIENCE);
      RealTime.await(
          "the frame after the outage", () -> network.server().recorded().contains("after"));
      assertThat(network.server().recorded()).containsExactly("confirmed", "after");
      Chaos.report(
          "unconfirmed frames",
          "3 frames written into a blackhole, never received, reported as unconfirmedFrames="
              + disconnected.unconfirmedFrames());
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  @Test
  void aFullBufferFailsTheSenderAndClosingFailsEveryFrameStillWaiting() {
    network.server().stop(); // every attempt is refused: frames can only wait
    SupervisedConnection ws =
        Chaos.supervisor(network.uri("/record"), 50).outboundBufferCapacity(5).connection();
    List<Throwable> failures = new ArrayList<>();
    ws.inbound().subscribe(frame -> {}, error -> {});
    for (int i = 0; i < 7; i++) {
      ws.send(Frame.text("waiting-" + i)).subscribe(null, error -> record(failures, error));
    }

    assertThat(snapshot(failures))
        .hasSize(2)
        .allMatch(OutboundBufferFullException.class::isInstance);
    String overflow = snapshot(failures).get(0).getMessage();

    ws.close().block(Chaos.PATIENCE);

    RealTime.await("every frame failed", () -> snapshot(failures).size() == 7);
    assertThat(snapshot(failures).subList(2, 7))
        .allMatch(SupervisorClosedException.class::isInstance);
    Chaos.report(
        "overflow and close",
        "2 of 7 sends failed at once ("
            + overflow
            + "); 5 waiting failed on close: "
            + snapshot(failures).get(2).getMessage());
  }

  @Test
  void exhaustedRetriesFailEveryFrameStillWaitingWithTheTerminalError() {
    network.server().stop();
    SupervisedConnection ws = Chaos.supervisor(network.uri("/record"), 2).connection();
    List<Throwable> failures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ws.send(Frame.text("waiting-" + i)).subscribe(null, error -> record(failures, error));
    }

    Throwable terminal =
        ws.inbound().then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Chaos.PATIENCE);

    assertThat(terminal).isInstanceOf(ReconnectsExhaustedException.class);
    RealTime.await("every frame failed", () -> snapshot(failures).size() == 5);
    assertThat(snapshot(failures)).allMatch(failure -> failure == terminal);
    Chaos.report("exhausted", "5 waiting frames failed with: " + terminal.getMessage());
  }

  private static void record(List<Throwable> failures, Throwable error) {
    synchronized (failures) {
      failures.add(error);
    }
  }

  private static List<Throwable> snapshot(List<Throwable> failures) {
    synchronized (failures) {
      return new ArrayList<>(failures);
    }
  }
}
