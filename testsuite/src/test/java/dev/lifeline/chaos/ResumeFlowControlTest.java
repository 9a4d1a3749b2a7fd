package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;

/**
 * Resume's flow control over a real socket: the client's replay buffer, the server's read-ahead and
 * the server's replay buffer must never wait on each other. The server's application starts late,
 * so that its read-ahead fills before it takes anything while the client keeps streaming: an
 * acknowledgement must still reach each side. Small windows (64 frames, acknowledged every 16) make
 * each buffer fill hundreds of times in one run.
 */
class ResumeFlowControlTest {
  private static final int FRAMES = 20_000;
  private static final Resume SMALL =
      Resume.defaults().withReplayBufferFrames(64).withAckEvery(16, 16 << 10);

  private final ServerSupervisor supervisor = ServerSupervisor.builder().resume(SMALL).build();
  private final DisposableServer server =
      Chaos.serve(
          supervisor, "/echo", c -> c.send(c.inbound().delaySubscription(Duration.ofMillis(300))));

  @AfterEach
  void stop() {
    server.disposeNow(Duration.ofSeconds(10));
  }

  @Test
  void aStreamThroughASlowStartingEchoNeverStallsOnFullBuffers() {
    SupervisedConnection ws =
        Chaos.supervisor(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), 5)
            .outboundBufferCapacity(256)
            .resume(SMALL)
            .connection();
    Queue<String> echoed = new ConcurrentLinkedQueue<>();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      Disposable reading =
          ws.inbound().ofType(Frame.Text.class).map(Frame.Text::text).subscribe(echoed::add);
      events.await(ConnectionEvent.SessionStarted.class, 1);
      ws.send(Flux.range(0, FRAMES).map(i -> Frame.text(Integer.toString(i))))
          .subscribe(null, e -> echoed.add("send failed: " + e));

      RealTime.await("every echo (" + FRAMES + ")", () -> echoed.size() >= FRAMES);

      assertThat(List.copyOf(echoed))
          .containsExactlyElementsOf(
              IntStream.range(0, FRAMES).mapToObj(Integer::toString).toList());
      assertThat(events.all(ConnectionEvent.Disconnected.class)).isEmpty();
      reading.dispose();
      ws.close().block(RealTime.PATIENCE);
    }
  }
}
