package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's first command: it must show detection and reconnection, and exit 0. */
class DemoCommandTest {

  @Test
  void demoDetectsTheSilentPeerReconnectsAndDeliversEveryQueuedFrame() throws Exception {
    CliRun demo = CliRun.finished("demo");

    assertThat(demo.exitCode(Duration.ofSeconds(60))).as(demo.err.toString()).isZero();
    String timeline = demo.out.toString();
    assertThat(timeline)
        .contains(
            "client   PEER DEAD: heartbeat #",
            "network  cable plugged back in",
            "client   received echo \"frame 6\"",
            "frames      6 sent, 6 echoed");
    assertThat(timeline.indexOf("PEER DEAD")).isLessThan(timeline.indexOf("connected (attempt"));
    assertThat(demo.err.all()).isEmpty();
  }
}
