package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sender's side of a resume session: numbering, acknowledgement, replay, bounds. */
class ReplayBufferTest {

  private static List<String> replay(ReplayBuffer buffer) {
    List<String> out = new ArrayList<>();
    if (buffer.startReplay()) {
      while (buffer.replaying()) {
        out.add(((Frame.Text) buffer.nextReplayed()).text());
      }
    }
    return out;
  }

  @Test
  void framesAreNumberedFromOneAndAnAcknowledgementLetsGoOfThemInOrder() {
    ReplayBuffer buffer = new ReplayBuffer(100, 1_000_000);
    for (int i = 1; i <= 5; i++) {
      buffer.add(Frame.text("f" + i));
    }
    assertThat(buffer.sent()).isEqualTo(5);
    assertThat(buffer.acknowledge(2)).isTrue();
    assertThat(buffer.acknowledged()).isEqualTo(2);
    assertThat(buffer.size()).isEqualTo(3);
    assertThat(replay(buffer)).containsExactly("f3", "f4", "f5");
  }

  @Test
  void impossibleAcknowledgementsChangeNothing() {
    ReplayBuffer buffer = new ReplayBuffer(100, 1_000_000);
    buffer.add(Frame.text("a"));
    buffer.add(Frame.text("b"));
    buffer.acknowledge(1);
    assertThat(buffer.acknowledge(3)).isFalse(); // more than was sent
    assertThat(buffer.acknowledge(0)).isFalse(); // going back
    assertThat(buffer.acknowledged()).isEqualTo(1);
    assertThat(replay(buffer)).containsExactly("b");
  }

  @Test
  void theRingWrapsAndGrowsWithoutLosingOrder() {
    ReplayBuffer buffer = new ReplayBuffer(1000, Long.MAX_VALUE);
    int next = 1;
    // keep 10 to 40 frames in flight over several hundred, so the 16-slot ring wraps and grows
    for (int round = 0; round < 40; round++) {
      int adds = 10 + (round * 7) % 31;
      for (int i = 0; i < adds; i++) {
        buffer.add(Frame.text("f" + next++));
      }
      long keep = 5 + round % 9;
      buffer.acknowledge(Math.max(buffer.acknowledged(), buffer.sent() - keep));
      List<String> expected = new ArrayList<>();
      for (long n = buffer.acknowledged() + 1; n <= buffer.sent(); n++) {
        expected.add("f" + n);
      }
      assertThat(replay(buffer)).as("round %d", round).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void anAcknowledgementDuringAReplaySkipsWhatItCovers() {
    ReplayBuffer buffer = new ReplayBuffer(100, 1_000_000);
    for (int i = 1; i <= 6; i++) {
      buffer.add(Frame.text("f" + i));
    }
    assertThat(buffer.startReplay()).isTrue();
    assertThat(((Frame.Text) buffer.nextReplayed()).text()).isEqualTo("f1");
    buffer.acknowledge(4);
    List<String> rest = new ArrayList<>();
    while (buffer.replaying()) {
      rest.add(((Frame.Text) buffer.nextReplayed()).text());
    }
    assertThat(rest).containsExactly("f5", "f6");
  }

  @Test
  void fullByFramesOrByBytesButALargeFrameStillGoesAlone() {
    ReplayBuffer byFrames = new ReplayBuffer(2, 1_000_000);
    byFrames.add(Frame.text("a"));
    assertThat(byFrames.full()).isFalse();
    byFrames.add(Frame.text("b"));
    assertThat(byFrames.full()).isTrue();
    byFrames.acknowledge(1);
    assertThat(byFrames.full()).isFalse();

    ReplayBuffer byBytes = new ReplayBuffer(100, 10);
    assertThat(byBytes.full()).isFalse();
    byBytes.add(Frame.binary(new byte[50])); // larger than the bound: goes, alone
    assertThat(byBytes.full()).isTrue();
    assertThat(byBytes.bytes()).isEqualTo(50);
    byBytes.acknowledge(1);
    assertThat(byBytes.bytes()).isZero();
    assertThat(byBytes.full()).isFalse();
  }

  @Test
  void textCountsItsUtf8Bytes() {
    assertThat(ResumeMessages.size(Frame.text("abc"))).isEqualTo(3);
    assertThat(ResumeMessages.size(Frame.text("é"))).isEqualTo(2);
    assertThat(ResumeMessages.size(Frame.text("€"))).isEqualTo(3);
    assertThat(ResumeMessages.size(Frame.text("😀"))).isEqualTo(4);
  }

  @Test
  void controlMessagesRoundTripAndMalformedOnesAreRefusedWithTheReason() {
    byte[] id = new byte[16];
    id[3] = 9;
    var hello = ResumeMessages.decode(ResumeMessages.hello(42, id));
    assertThat(hello.type()).isEqualTo(ResumeMessages.HELLO);
    assertThat(hello.received()).isEqualTo(42);
    assertThat(hello.session()).isEqualTo(id);
    assertThat(ResumeMessages.decode(ResumeMessages.hello(0, null)).session()).isNull();
    var welcome = ResumeMessages.decode(ResumeMessages.welcome(ResumeMessages.RESUMED, 7, id));
    assertThat(welcome.status()).isEqualTo(ResumeMessages.RESUMED);
    assertThat(welcome.received()).isEqualTo(7);
    assertThat(ResumeMessages.decode(ResumeMessages.ack(5)).received()).isEqualTo(5);
    assertThat(ResumeMessages.isControl(Frame.pong(new byte[] {1, 2, 3, 4, 5}))).isFalse();
    assertThat(ResumeMessages.isControl(Frame.text("LLR1A"))).isFalse();

    Frame.Pong truncated = Frame.pong(new byte[] {'L', 'L', 'R', '1', 'A', 0, 0});
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResumeMessages.decode(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
    Frame.Pong unknown = Frame.pong(new byte[] {'L', 'L', 'R', '1', 'Z'});
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResumeMessages.decode(unknown))
        .hasMessageContaining("unknown resume message type");
  }

  @Test
  void anAckIsReadWithoutDecodingItsCountIntactAndOtherMessagesAreLeftToDecode() {
    for (long n : new long[] {0, 1, 255, 256, 1L << 40, Long.MAX_VALUE}) {
      Frame.Pong ack = ResumeMessages.ack(n);
      assertThat(ack.length()).isEqualTo(13);
      assertThat(ResumeMessages.ackCount(ack)).isEqualTo(n);
      assertThat(ResumeMessages.decode(ack).received()).isEqualTo(n);
    }
    assertThat(ResumeMessages.ackCount(ResumeMessages.ackRequest())).isEqualTo(-1);
    assertThat(ResumeMessages.ackCount(ResumeMessages.hello(3, null))).isEqualTo(-1);

    Frame.Pong tooLong =
        Frame.pong(new byte[] {'L', 'L', 'R', '1', 'A', 0, 0, 0, 0, 0, 0, 0, 1, 0});
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResumeMessages.ackCount(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resume message of type A is too long (14 bytes, expected 13)");
    Frame.Pong longRequest = Frame.pong(new byte[] {'L', 'L', 'R', '1', 'Q', 0});
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResumeMessages.decode(longRequest))
        .hasMessage("resume message of type Q is too long (6 bytes, 1 after its last field)");
    byte[] welcome = ResumeMessages.welcome(ResumeMessages.NEW, 0, new byte[16]).bytes();
    Frame.Pong longWelcome = Frame.pong(java.util.Arrays.copyOf(welcome, welcome.length + 2));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResumeMessages.decode(longWelcome))
        .hasMessageContaining("is too long");
    byte[] negative = ResumeMessages.ack(0).bytes();
    negative[5] = (byte) 0x80;
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ResumeMessages.ackCount(Frame.pong(negative)))
        .hasMessageContaining("frame count out of range");
  }

  @Test
  void aFramesBytesAreReadOneByOneWithinItsLength() {
    Frame.Binary frame = Frame.binary(new byte[] {7, -1});
    assertThat(frame.byteAt(0)).isEqualTo((byte) 7);
    assertThat(frame.byteAt(1)).isEqualTo((byte) -1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frame.byteAt(2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frame.byteAt(-1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
