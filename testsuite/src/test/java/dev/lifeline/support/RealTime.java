package dev.lifeline.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting for an outcome on real time, as the tests on real sockets do. */
public final class RealTime {

  /** How long a test waits for an outcome before it fails; generous for a loaded 2-core box. */
  public static final Duration PATIENCE = Duration.ofSeconds(20);

  private RealTime() {}

  /** Waits until {@code condition} holds; fails, naming {@code what}, after {@link #PATIENCE}. */
  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline)
          .as("waited " + PATIENCE + " for " + what)
          .isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /** Lets {@code time} pass on the real clock, as a fault scenario's pacing. */
  public static void sleep(Duration time) {
    long deadline = System.nanoTime() + time.toNanos();
    for (long left = time.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }
}
