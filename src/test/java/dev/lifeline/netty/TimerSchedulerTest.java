package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Supervisor;
import dev.lifeline.testing.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Where a supervisor's timers run by default. */
class TimerSchedulerTest {

  @Test
  void webSocketSupervisorRunsItsTimersOnTheClientEventLoopsByDefault() {
    WebSocketTransport transport = WebSocketTransport.create("ws://127.0.0.1:9/ws");
    Supervisor supervisor = Supervisor.create(transport);

    assertThat(supervisor.scheduler()).isSameAs(transport.timerScheduler());
    String thread =
        Mono.fromCallable(() -> Thread.currentThread().getName())
            .delaySubscription(Duration.ofMillis(1), supervisor.scheduler())
            .block(Duration.ofSeconds(10));
    assertThat(thread).startsWith("reactor-http-");
    assertThat(supervisor.scheduler().now(TimeUnit.MILLISECONDS))
        .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(5_000L));
  }

  @Test
  void otherTransportsUseTheParallelScheduler() {
    assertThat(Supervisor.create(new InMemoryTransport()).scheduler())
        .isSameAs(Schedulers.parallel());
  }
}
