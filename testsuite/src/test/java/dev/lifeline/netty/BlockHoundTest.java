package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.DeliberateBlocking;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * BlockHound is installed for the whole suite (see {@code DeliberateBlocking}): a blocking call on
 * a thread that must not block fails the code that made it, so a test that blocks an event loop, or
 * Lifeline code that would, cannot pass unnoticed.
 */
class BlockHoundTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void sleepingOnALifelineTimerThreadFailsWithBlockingOperationError() throws Exception {
    Scheduler timers = WebSocketTransport.create("ws://127.0.0.1:9/ws").timerScheduler();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    timers.schedule(() -> outcome.complete(sleepOneMilli()), 1, TimeUnit.MILLISECONDS);

    assertThat(outcome.get(10, TimeUnit.SECONDS))
        .isInstanceOf(BlockingOperationError.class)
        .hasMessageContaining("java.lang.Thread.sleep");
  }

  @Test
  void sleepingOnAParallelWorkerFailsWithBlockingOperationError() throws Exception {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Schedulers.parallel().schedule(() -> outcome.complete(sleepOneMilli()));

    assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(BlockingOperationError.class);
  }

  @Test
  void anInboundCallbackThatBlocksOnTheEventLoopFailsTheInbound() {
    try (TestServer server = TestServer.echo(ServerSupervisor.builder().build())) {
      SupervisedConnection connection =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws"))).connection();
      connection.send(Frame.text("hello")).subscribe();

      StepVerifier.create(connection.inbound().doOnNext(frame -> rethrow(sleepOneMilli())))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(BlockingOperationError.class)
                      .hasMessageContaining("java.lang.Thread.sleep"))
          .verify(WAIT);
      connection.close().block(WAIT);
    }
  }

  @Test
  void blockingDeliberatelyIsLetThroughOnANonBlockingThread() throws Exception {
    CountDownLatch open = new CountDownLatch(1);
    CompletableFuture<Boolean> outcome = new CompletableFuture<>();
    Schedulers.parallel()
        .schedule(() -> outcome.complete(DeliberateBlocking.await(open, Duration.ofSeconds(10))));
    // opened from here a little later, so that the worker really parks in the latch
    Schedulers.single().schedule(open::countDown, 50, TimeUnit.MILLISECONDS);

    assertThat(outcome.get(10, TimeUnit.SECONDS)).isTrue();
  }

  private static void rethrow(Throwable e) {
    if (e instanceof Error error) {
      throw error;
    }
  }

  /** Sleeps 1 ms; returns what stopped it (null when it slept). */
  private static Throwable sleepOneMilli() {
    try {
      Thread.sleep(1);
      return null;
    } catch (Throwable e) {
      return e;
    }
  }
}
