package dev.lifeline.testing;

/** What a {@link FaultProxy} does with the bytes it reads; one mode for every connection. */
sealed interface FaultMode {

  /** Forward at once. */
  record Pass() implements FaultMode {}

  /** Read and discard; forward nothing, close nothing. */
  record Blackhole() implements FaultMode {}

  /** Forward each chunk {@code nanos} after it arrived, in order. */
  record Delay(long nanos) implements FaultMode {}

  /** Forward at most {@code bytesPerSecond} in each direction, in order. */
  record Throttle(long bytesPerSecond) implements FaultMode {}

  FaultMode PASS = new Pass();
  FaultMode BLACKHOLE = new Blackhole();
}
