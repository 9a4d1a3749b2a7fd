package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DurationsTest {

  private final Durations converter = new Durations();

  @Test
  void readsMillisecondsSecondsMinutesAndHours() {
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(converter.convert("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(converter.convert("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(converter.convert("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void readsFractionsDownToTheNanosecond() {
    assertThat(converter.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(converter.convert("0.25ms")).isEqualTo(Duration.ofNanos(250_000));
    assertThat(converter.convert(" 5s ")).isEqualTo(Duration.ofSeconds(5));
  }

  @ParameterizedTest
  @ValueSource(strings = {"5", "s", "5x", "-1s", "5 s", "1m30s", "PT5S", "", "5S", "1.s"})
  void rejectsAnythingElseWithAMessageThatShowsTheAcceptedForms(String text) {
    assertThatThrownBy(() -> converter.convert(text))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessage(
            "'"
                + text
                + "' is not a duration: write a number and a unit (ms, s, m or h), as in 500ms, 5s"
                + " or 1m");
  }

  @Test
  void rejectsDurationsBeyondWhatTheJvmCanCount() {
    assertThatThrownBy(() -> converter.convert("99999999999h"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessage("'99999999999h' is too long a duration");
  }

  @Test
  void formatsInTheLargestWholeUnitSoThatParsingItGivesTheSameDuration() {
    assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ofHours(1))).isEqualTo("1h");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofNanos(250_000))).isEqualTo("0.25ms");
    for (String text : new String[] {"500ms", "1500ms", "5s", "2m", "1h", "0.25ms"}) {
      assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
  }

  @Test
  void millisecondsKeepNanosecondPrecisionWithoutTrailingZeros() {
    assertThat(Durations.millis(Duration.ofNanos(1_234_500)).toPlainString()).isEqualTo("1.2345");
    assertThat(Durations.millis(Duration.ofSeconds(2)).toPlainString()).isEqualTo("2000");
    assertThat(Durations.millis(Duration.ZERO).toPlainString()).isEqualTo("0");
  }
}
