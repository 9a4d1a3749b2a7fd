package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import org.junit.jupiter.api.Test;

class SizedFramesTest {

  @Test
  void framesComeOutInOrderWithTheirSizesAcrossWrapAroundAndGrowth() {
    SizedFrames queue = new SizedFrames();
    assertThat(queue.isEmpty()).isTrue();
    int next = 0;
    int expected = 0;
    // the head moves round the ring before it grows: 10 in, 6 out, repeatedly
    for (int round = 0; round < 12; round++) {
      for (int i = 0; i < 10; i++, next++) {
        queue.add(Frame.text("f" + next), next * 3);
      }
      for (int i = 0; i < 6; i++, expected++) {
        assertThat(queue.peekSize()).isEqualTo(expected * 3);
        assertThat(queue.poll()).isEqualTo(Frame.text("f" + expected));
      }
    }
    assertThat(queue.size()).isEqualTo(next - expected).isEqualTo(48);
    while (!queue.isEmpty()) {
      assertThat(queue.peekSize()).isEqualTo(expected * 3);
      assertThat(queue.poll()).isEqualTo(Frame.text("f" + expected));
      expected++;
    }
    assertThat(expected).isEqualTo(next);
  }

  @Test
  void aClearedQueueIsEmptyAndTakesFramesAgain() {
    SizedFrames queue = new SizedFrames();
    for (int i = 0; i < 20; i++) {
      queue.add(Frame.binary(new byte[i]), i);
    }
    queue.poll();
    queue.clear();
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.size()).isZero();
    queue.add(Frame.text("again"), 5);
    assertThat(queue.peekSize()).isEqualTo(5);
    assertThat(queue.poll()).isEqualTo(Frame.text("again"));
  }
}
