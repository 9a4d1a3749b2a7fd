package dev.lifeline.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads and writes the command's durations: a non-negative number and a unit, as in {@code 500ms},
 * {@code 5s}, {@code 1.5s}, {@code 1m} or {@code 1h}.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {

  /**
   * Fails {@code commandLine} with "{@code option} must be more than 0, was 0s" when {@code value}
   * is zero (the converter already refuses negative ones).
   */
  static void requirePositive(CommandLine commandLine, Duration value, String option) {
    if (value.isZero()) {
      throw new CommandLine.ParameterException(
          commandLine, option + " must be more than 0, was " + format(value));
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  /**
   * {@code text} as a duration.
   *
   * @throws IllegalArgumentException with a message that shows the accepted forms
   */
  static Duration parse(String text) {
    Matcher matcher = DURATION.matcher(text.strip());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a duration: write a number and a unit (ms, s, m or h), as in 500ms, 5s or"
              + " 1m");
    }
    long nanosPerUnit =
        switch (matcher.group(2)) {
          case "ms" -> 1_000_000L;
          case "s" -> 1_000_000_000L;
          case "m" -> 60_000_000_000L;
          default -> 3_600_000_000_000L;
        };
    BigDecimal nanos = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit));
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    return Duration.ofNanos(nanos.setScale(0, RoundingMode.DOWN).longValueExact());
  }

  /** {@code duration} the way {@link #parse(String)} reads it: {@code 500ms}, {@code 5s}, … */
  static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0 && !duration.isZero()) {
      return millis(duration).toPlainString() + "ms";
    }
    if (millis % 3_600_000 == 0 && millis != 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis != 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis(duration).toPlainString() + "ms";
  }

  /** {@code duration} in milliseconds, exact to the nanosecond, without trailing zeros. */
  static BigDecimal millis(Duration duration) {
    BigDecimal millis = BigDecimal.valueOf(duration.toNanos()).movePointLeft(6);
    return millis.signum() == 0 ? BigDecimal.ZERO : millis.stripTrailingZeros();
  }

  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
