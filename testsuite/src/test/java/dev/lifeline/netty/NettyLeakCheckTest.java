package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NettyLeakCheckTest {

  @Test
  void leakDetectorRunsOnParanoidInTests() {
    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
  }

  @Test
  void unreleasedBufferIsRecordedAsLeak() {
    leakOneBuffer();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<String> reports = LeakRecorder.reports();
    while (reports.isEmpty() && System.nanoTime() < deadline) {
      LeakRecorder.collectAndChurn();
      Thread.onSpinWait();
      reports = LeakRecorder.reports();
    }
    try {
      assertThat(reports).anySatisfy(report -> assertThat(report).contains("LEAK"));
    } finally {
      // the leak was deliberate: keep NettyLeakCheck from failing this test for it
      LeakRecorder.clear();
    }
  }

  private static void leakOneBuffer() {
    ByteBuf leaked = ByteBufAllocator.DEFAULT.buffer(64);
    leaked.writeLong(42L);
    // dropped without release()
  }
}
