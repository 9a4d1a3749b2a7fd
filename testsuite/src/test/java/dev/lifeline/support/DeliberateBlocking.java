package dev.lifeline.support;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound in Lifeline's tests. {@code blockhound-junit-platform} installs BlockHound in every
 * test JVM, with the integrations of reactor-core and Netty and this one: a blocking call on a
 * non-blocking thread (a Netty event loop, so every Lifeline timer of {@code WebSocketTransport},
 * or a Reactor {@code parallel()} worker) throws {@code BlockingOperationError} into the code that
 * made it.
 *
 * <p>The one exception is {@link #await}: for the tests that play an application misbehaving on
 * purpose (an event subscriber that holds its thread) and check that Lifeline copes. Nothing of
 * Lifeline's own code is allowed to block. The other is inside Netty: its adaptive allocator takes
 * a {@code StampedLock} when it adds a magazine under contention (a short critical section, the
 * false positive Armeria's BlockHound rules for Netty 4.2 also allow), which otherwise fails a
 * connection now and then when large frames are read on several event loops at once.
 */
public final class DeliberateBlocking implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside(DeliberateBlocking.class.getName(), "await");
    builder.allowBlockingCallsInside(
        "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
  }

  /**
   * Holds the calling thread until {@code latch} opens or {@code max} passes, even on an event
   * loop: the test says so by calling this.
   *
   * @return whether the latch opened
   */
  public static boolean await(CountDownLatch latch, Duration max) {
    try {
      return latch.await(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
