package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.support.RealTime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A resumed session's server reads at most its read-ahead of frames its application has not taken,
 * in frames and in bytes, then stops reading the socket (TCP backpressure), even from a client that
 * ignores its own replay bound. The client here is a plain socket speaking {@code
 * lifeline.resume.v1}: a HELLO, then 8 000-byte text frames as fast as the socket takes them, no
 * acknowledgement awaited, while the server's application starts reading only after 3.5 s. (It only
 * reads: an echo would fill the server's replay buffer, whose acknowledgements such a client queues
 * behind its own stuck data.) The margin is wide on purpose: with the leak detector on paranoid, a
 * server that kept reading takes only about 4 MB a second, so 3 s tell its 12 MB and more from the
 * stall at the read-ahead plus what the loopback socket's buffers hold (about 4 MB).
 */
class ResumeServerReadAheadTest {
  private static final int FRAMES = 6_000; // 48 MB
  private static final int WINDOW = 64; // read-ahead: 64 and a quarter, 80 frames, 4.8 MB
  private static final Duration APPLICATION_STARTS = Duration.ofMillis(3_500);
  private static final byte[] MAGIC = "LLR1".getBytes(StandardCharsets.US_ASCII);

  private final List<String> taken = new CopyOnWriteArrayList<>();
  private TestServer server;

  private void start(Resume resume) {
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(resume).build();
    server =
        TestServer.start(
            0,
            routes ->
                routes.get(
                    "/ws",
                    supervisor.upgrade(
                        c ->
                            c.inbound()
                                .delaySubscription(APPLICATION_STARTS)
                                .ofType(Frame.Text.class)
                                .doOnNext(f -> taken.add(f.text().split(":", 2)[0]))
                                .then())));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aClientStreamingPastItsFrameBoundIsHeldBackByTcpUntilTheApplicationReads() throws Exception {
    start(Resume.defaults().withReplayBufferFrames(WINDOW).withAckEvery(16, 1 << 20));
    streamPastTheBound();
  }

  /**
   * The frame bound here would let the server read 5 120 frames (41 MB) ahead; the byte bound, 64
   * KiB and a quarter more and one 64 KiB message (144 KiB: the 19th frame), stops it first.
   */
  @Test
  void aClientStreamingPastItsByteBoundIsHeldBackByTcpUntilTheApplicationReads() throws Exception {
    start(
        Resume.defaults()
            .withReplayBufferFrames(4_096)
            .withReplayBufferBytes(64 * 1024)
            .withAckEvery(16, 1 << 20));
    streamPastTheBound();
  }

  private void streamPastTheBound() throws Exception {
    AtomicInteger written = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<IOException> failed = new AtomicReference<>();
    try (RawClient client = RawClient.connect(server.port(), "/ws", Resume.PROTOCOL)) {
      byte[] hello = ByteBuffer.allocate(13).put(MAGIC).put((byte) 'H').putLong(0).array();
      client.send(0xA, hello);
      byte[] padding = "x".repeat(8_000).getBytes(StandardCharsets.US_ASCII);
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < FRAMES && !stop.get(); i++) {
                    byte[] prefix = (i + ":").getBytes(StandardCharsets.US_ASCII);
                    byte[] payload = new byte[prefix.length + padding.length];
                    System.arraycopy(prefix, 0, payload, 0, prefix.length);
                    System.arraycopy(padding, 0, payload, prefix.length, padding.length);
                    client.send(0x1, payload);
                    written.incrementAndGet();
                  }
                } catch (IOException e) {
                  failed.set(e);
                }
              },
              "streaming client");
      writer.start();

      RealTime.sleep(APPLICATION_STARTS.minusMillis(500));
      // the read-ahead (80 or 18 frames) and what the socket buffers hold (about 500 frames in all)
      assertThat(taken).isEmpty();
      assertThat(written.get())
          .as("frames written while the server's application read none")
          .isLessThan(1_000);
      stop.set(true);
      writer.join(10_000);
      int sent = written.get();

      RealTime.await("every frame written taken by the application", () -> taken.size() == sent);
      assertThat(failed.get()).isNull();
      for (int i = 0; i < sent; i++) {
        assertThat(taken.get(i)).isEqualTo(Integer.toString(i));
      }
    }
  }
}
