package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's first command: it must show detection and reconnection, and exit 0. */
class DemoCommandTest {

  @Test
  void demoDetectsTheSilentPeerResumesAndDeliversEveryFrameOnce() throws Exception {
    CliRun demo = CliRun.finished("demo");

    assertThat(demo.exitCode(Duration.ofSeconds(60))).as(demo.err.toString()).isZero();
    String timeline = demo.out.toString();
    assertThat(timeline)
        .contains(
            "client   PEER DEAD: heartbeat #",
            "network  cable plugged back in",
            "client   SESSION RESUMED after",
            "replaying 3 frame(s) the server never received",
            "client   received echo \"frame 9\"",
            "frames      9 sent, 9 echoed");
    assertThat(timeline.indexOf("PEER DEAD")).isLessThan(timeline.indexOf("connected (attempt"));
    // frame 4 went into the dead network: its echo comes only after the resume
    assertThat(timeline.indexOf("SESSION RESUMED"))
        .isLessThan(timeline.indexOf("received echo \"frame 4\""));
    for (int i = 1; i <= 9; i++) {
      String echo = "received echo \"frame " + i + "\"";
      assertThat(timeline.indexOf(echo)).as(echo).isNotNegative();
      assertThat(timeline.indexOf(echo)).as(echo + " once").isEqualTo(timeline.lastIndexOf(echo));
    }
    assertThat(demo.err.all()).isEmpty();
  }
}
