package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The short resume soak of every build; the long one is {@code -Psoak}. */
class ResumeSoakTest {

  @Test
  @Timeout(90)
  void underRandomFaultsNothingIsLostOrDuplicatedInEitherDirection() {
    ResumeSoak.Audit audit = ResumeSoak.run(12, Duration.ofSeconds(8), Duration.ofMillis(20));
    Chaos.report("resume soak, 12 connections, 8 s", audit.toString());

    assertThat(audit.sent()).as("frames sent").isGreaterThan(1_000);
    assertThat(audit.faults().values().stream().mapToInt(Integer::intValue).sum())
        .as("faults")
        .isGreaterThanOrEqualTo(5);
    assertThat(audit.lostToServer()).as("lost on the way to the server").isZero();
    assertThat(audit.duplicatedAtServer()).as("duplicated at the server").isZero();
    assertThat(audit.lostToClient()).as("lost on the way back").isZero();
    assertThat(audit.duplicatedAtClient()).as("duplicated at the client").isZero();
    assertThat(audit.outOfOrder()).as("clients that saw their echoes out of order").isZero();
    assertThat(audit.sessionsLost()).as("sessions lost").isZero();
    assertThat(audit.echoed()).as("every frame sent came back").isEqualTo(audit.sent());
  }
}
