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

  /**
   * Windows bound in bytes (32 KiB, acknowledged every 8 KiB) while the frame bounds are far off:
   * the server's read-ahead stops at its byte bound, which a client keeping to its own never
   * reaches, even with a frame larger than the bound (which goes alone).
   */
  private static final Resume SMALL_IN_BYTES =
      Resume.defaults()
          .withReplayBufferFrames(8_192)
          .withReplayBufferBytes(32 << 10)
          .withAckEvery(8_192, 8 << 10);

  private DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  @Test
  void aStreamThroughASlowStartingEchoNeverStallsOnFullBuffers() {
    List<String> texts = IntStream.range(0, FRAMES).mapToObj(Integer::toString).toList();
    assertEchoedInOrder(SMALL, texts);
  }

  @Test
  void aStreamOfLargeFramesNeverStallsOnBuffersFullInBytes() {
    // 300 frames of 4 000 bytes, every 50th one 40 000 (above the 32 KiB bound): 1.4 MB
    List<String> texts =
        IntStream.range(0, 300)
            .mapToObj(i -> i + ":" + "x".repeat(i % 50 == 49 ? 40_000 : 4_000))
            .toList();
    assertEchoedInOrder(SMALL_IN_BYTES, texts);
  }

  /** {@code Long.MAX_VALUE} bytes is no byte bound: the server's read-ahead must not wrap. */
  @Test
  void aReplayBoundOfLongMaxValueBytesIsNoByteBound() {
    List<String> texts = IntStream.range(0, 2_000).mapToObj(Integer::toString).toList();
    assertEchoedInOrder(Resume.defaults().withReplayBufferBytes(Long.MAX_VALUE), texts);
  }

  private void assertEchoedInOrder(Resume settings, List<String> texts) {
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(settings).build();
    server =
        Chaos.serve(
            supervisor,
            "/echo",
            c -> c.send(c.inbound().delaySubscription(Duration.ofMillis(300))));
    SupervisedConnection ws =
        Chaos.supervisor(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), 5)
            .outboundBufferCapacity(256)
            .resume(settings)
            .connection();
    Queue<String> echoed = new ConcurrentLinkedQueue<>();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      Disposable reading =
          ws.inbound().ofType(Frame.Text.class).map(Frame.Text::text).subscribe(echoed::add);
      events.await(ConnectionEvent.SessionStarted.class, 1);
      ws.send(Flux.fromIterable(texts).map(Frame::text))
          .subscribe(null, e -> echoed.add("send failed: " + e));

      RealTime.await("every echo (" + texts.size() + ")", () -> echoed.size() >= texts.size());

      assertThat(List.copyOf(echoed)).containsExactlyElementsOf(texts);
      assertThat(events.all(ConnectionEvent.Disconnected.class)).isEmpty();
      reading.dispose();
      ws.close().block(RealTime.PATIENCE);
    }
  }
}
