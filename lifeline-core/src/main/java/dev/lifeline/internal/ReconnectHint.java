package dev.lifeline.internal;

import dev.lifeline.ConnectionClosedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "come back within" hint a draining server puts in its close reason, so that its clients
 * reconnect spread over a window instead of all at once (C12).
 *
 * <p>The format, documented for other implementations: the close status is 1001 (going away), 1012
 * (service restart) or 1013 (try again later), and the reason ends with {@code "reconnect within
 * <N> ms"}, {@code N} a whole number of milliseconds from 1 to 999 999 999, after the start of the
 * reason or after {@code "; "}. Example: {@code 1012 "service restart; reconnect within 30000 ms"}.
 * Anything else carries no hint; a hint above {@link #MAX} counts as {@link #MAX}. Stateless.
 */
public final class ReconnectHint {
  /**
   * The longest wait a client honours: 5 min. A larger hint (a misconfigured server or proxy) is
   * cut to it, so that no hint can keep clients away for days.
   */
  public static final Duration MAX = Duration.ofMinutes(5);

  private static final Pattern HINT =
      Pattern.compile("(?:^|; )reconnect within ([1-9]\\d{0,8}) ms\\z");

  private ReconnectHint() {}

  /** The largest hint the format carries: 999 999 999 ms, about 11.5 days. */
  private static final Duration LARGEST = Duration.ofMillis(999_999_999L);

  /**
   * The close reason {@code what} followed by the hint {@code within}, whole milliseconds.
   *
   * @throws IllegalArgumentException if {@code within} is not between 1 ms and 999 999 999 ms
   */
  public static String reason(String what, Duration within) {
    if (within.compareTo(Duration.ofMillis(1)) < 0 || within.compareTo(LARGEST) > 0) {
      throw new IllegalArgumentException(
          "reconnectWithin must be between 1 ms and 999999999 ms (about 11.5 days), was " + within);
    }
    return what + "; reconnect within " + within.toMillis() + " ms";
  }

  /** The hint that {@code failure} carries, in nanoseconds; 0 for none. */
  public static long nanos(Throwable failure) {
    if (!(failure instanceof ConnectionClosedException closed)) {
      return 0;
    }
    int code = closed.code();
    if (code != 1001 && code != 1012 && code != 1013) {
      return 0;
    }
    Matcher hint = HINT.matcher(closed.reason());
    if (!hint.find()) {
      return 0;
    }
    return Math.min(TimeUnit.MILLISECONDS.toNanos(Long.parseLong(hint.group(1))), MAX.toNanos());
  }
}
