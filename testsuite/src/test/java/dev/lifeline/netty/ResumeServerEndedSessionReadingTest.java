package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Resume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Once a resume session has ended, its connection still reads everything the client had written, so
 * that the client's reply to the server's close frame is read and the close handshake ends well
 * before the close timeout. The client, a plain socket speaking {@code lifeline.resume.v1}, streams
 * 8 000-byte frames into the socket's buffers (several MB, far past the 80-frame read-ahead) while
 * the server's application takes three and ends the session; the client stops after the frame it is
 * writing when the close arrives, then answers it. The close timeout is 30 s, so a server that
 * stopped reading at its read-ahead ends the connection only then.
 */
class ResumeServerEndedSessionReadingTest {
  private static final byte[] MAGIC = "LLR1".getBytes(StandardCharsets.US_ASCII);

  @Test
  void anEndedSessionsConnectionReadsOnToTheClientsCloseReply() throws Exception {
    ServerSupervisor supervisor =
        ServerSupervisor.builder()
            .resume(Resume.defaults().withReplayBufferFrames(64))
            .closeTimeout(Duration.ofSeconds(30))
            .build();
    AtomicInteger written = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    try (TestServer server =
            TestServer.start(
                0, r -> r.get("/ws", supervisor.upgrade(c -> c.inbound().take(3).then())));
        RawClient client = RawClient.connect(server.port(), "/ws", Resume.PROTOCOL)) {
      client.send(0xA, ByteBuffer.allocate(13).put(MAGIC).put((byte) 'H').putLong(0).array());
      byte[] payload = "x".repeat(8_000).getBytes(StandardCharsets.US_ASCII);
      Thread writer =
          new Thread(
              () -> {
                try {
                  while (!stop.get() && written.get() < 3_000) {
                    client.send(0x1, payload);
                    written.incrementAndGet();
                  }
                } catch (IOException e) {
                  // the server closed the connection: counted below by what was written
                }
              },
              "streaming client");
      writer.start();

      RawClient.Close close = client.readClose(Duration.ofSeconds(5));
      assertThat(close.code()).isEqualTo(1000);
      stop.set(true);
      writer.join(8_000);
      assertThat(writer.isAlive())
          .as("the client's write blocked: the server stopped reading after its session ended")
          .isFalse();
      client.sendClose(1000);

      assertThat(client.endsWithin(Duration.ofSeconds(5)))
          .as("the server ended the connection after reading the close reply")
          .isTrue();
      assertThat(written.get()).as("frames written past the read-ahead").isGreaterThan(100);
    }
  }
}
