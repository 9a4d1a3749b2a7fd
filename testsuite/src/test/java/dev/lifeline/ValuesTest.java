package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.testing.InMemoryTransport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/** Frames, heartbeats and supervisors are immutable values with eager validation. */
class ValuesTest {

  @Test
  void binaryFrameCopiesItsBytesInAndOut() {
    byte[] data = {1, 2, 3};
    Frame.Binary frame = Frame.binary(data);
    data[0] = 9;
    frame.bytes()[1] = 9;

    assertThat(frame.bytes()).containsExactly(1, 2, 3);
    assertThat(frame.asByteBuffer().isReadOnly()).isTrue();
    assertThat(frame).isEqualTo(Frame.binary(new byte[] {1, 2, 3})).hasToString("Binary[3 bytes]");
    assertThat(frame).isNotEqualTo(Frame.pong(new byte[] {1, 2, 3}));
  }

  @Test
  void controlPayloadOver125BytesIsRejected() {
    assertThatThrownBy(() -> Frame.ping(new byte[126]))
        .hasMessage("control frame payload is 126 bytes; RFC 6455 allows at most 125");
  }

  @Test
  void closeFrameValidatesCodeAndReason() {
    assertThatThrownBy(() -> Frame.close(999, ""))
        .hasMessage("close code 999 is outside RFC 6455's range 1000..4999");
    assertThatThrownBy(() -> Frame.close(1000, "x".repeat(124)))
        .hasMessage("close reason is 124 bytes in UTF-8; RFC 6455 allows at most 123");
  }

  @Test
  void heartbeatSettersReturnCopies() {
    Heartbeat base = Heartbeat.ping();
    Heartbeat custom = base.interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500));

    assertThat(base.interval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(base.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(custom.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(custom.timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(custom).isNotSameAs(base);
  }

  @Test
  void heartbeatRejectsNonPositiveDurations() {
    assertThatThrownBy(() -> Heartbeat.ping().interval(Duration.ZERO))
        .hasMessage("heartbeat interval must be positive, was PT0S");
    assertThatThrownBy(() -> Heartbeat.ping().timeout(Duration.ofMillis(-1)))
        .hasMessage("heartbeat timeout must be positive, was PT-0.001S");
  }

  @Test
  void textDialectRecognisesOnlyItsPong() {
    Heartbeat seed = Heartbeat.text("heart_beat", "ok");
    assertThat(seed.newPing(1)).isEqualTo(Frame.text("heart_beat"));
    assertThat(seed.isPong(Frame.text("ok"))).isTrue();
    assertThat(seed.isPong(Frame.text("OK"))).isFalse();
    assertThat(seed.isPong(Frame.pong())).isFalse();
  }

  @Test
  void supervisorSettersReturnCopiesAndLeaveTheOriginalAlone() {
    Supervisor base = Supervisor.create(new InMemoryTransport());
    Supervisor custom =
        base.heartbeat(Heartbeat.text("a", "b"))
            .retry(Retry.max(1))
            .scheduler(Schedulers.immediate())
            .outboundBufferCapacity(7);

    assertThat(base.heartbeat()).isSameAs(Heartbeat.ping());
    assertThat(base.retry()).isSameAs(Supervisor.DEFAULT_RETRY);
    assertThat(base.scheduler()).isSameAs(Schedulers.parallel());
    assertThat(base.outboundBufferCapacity()).isEqualTo(1024);
    assertThat(custom.outboundBufferCapacity()).isEqualTo(7);
    assertThat(custom.scheduler()).isSameAs(Schedulers.immediate());
  }

  @Test
  void outboundBufferCapacityBelowOneIsRejected() {
    assertThatThrownBy(() -> Supervisor.create(new InMemoryTransport()).outboundBufferCapacity(0))
        .hasMessage("outbound buffer capacity must be at least 1 frame, was 0");
  }
}
