package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.RealTime;
import dev.lifeline.testing.InMemoryTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;

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
  void aTimerScheduledFromAClientEventLoopRunsOnThatSameLoop() throws Exception {
    Scheduler timers = WebSocketTransport.create("ws://127.0.0.1:9/ws").timerScheduler();
    EventLoopGroup loops = HttpResources.get().onClient(true);
    for (EventExecutor loop : loops) {
      CompletableFuture<Thread> scheduling = new CompletableFuture<>();
      CompletableFuture<Thread> running = new CompletableFuture<>();
      loop.execute(
          () -> {
            scheduling.complete(Thread.currentThread());
            timers.schedule(
                () -> running.complete(Thread.currentThread()), 1, TimeUnit.MILLISECONDS);
          });
      assertThat(running.get(10, TimeUnit.SECONDS)).isSameAs(scheduling.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aTimerScheduledFromElsewhereIsCancellable() throws Exception {
    Scheduler timers = WebSocketTransport.create("ws://127.0.0.1:9/ws").timerScheduler();
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    CompletableFuture<Boolean> cancelledRan = new CompletableFuture<>();
    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    HttpResources.get()
        .onClient(true)
        .next()
        .execute(
            () -> {
              timers
                  .schedule(() -> cancelledRan.complete(true), 50, TimeUnit.MILLISECONDS)
                  .dispose();
              cancelled.complete(true);
            });
    assertThat(cancelled.get(10, TimeUnit.SECONDS)).isTrue();
    timers.schedule(() -> ran.complete(Thread.currentThread()), 200, TimeUnit.MILLISECONDS);
    assertThat(ran.get(10, TimeUnit.SECONDS).getName()).startsWith("reactor-http-");
    assertThat(cancelledRan).isNotDone();
  }

  /**
   * Whoever owns Reactor Netty's global resources may dispose them (Spring Boot does whenever an
   * application context closes; a test suite's next context recreates them): timers and the
   * connections made afterwards must work on the new loops, not be refused by the old ones.
   */
  @Test
  void timersAndHeartbeatsWorkAfterTheGlobalResourcesWereDisposedAndRecreated() throws Exception {
    Scheduler timers = WebSocketTransport.create("ws://127.0.0.1:9/ws").timerScheduler();
    Mono.delay(Duration.ofMillis(1), timers).block(Duration.ofSeconds(10));

    HttpResources.disposeLoopsAndConnections();

    String thread =
        Mono.fromCallable(() -> Thread.currentThread().getName())
            .delaySubscription(Duration.ofMillis(1), timers)
            .block(Duration.ofSeconds(10));
    assertThat(thread).startsWith("reactor-http-");
    List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
    try (TestServer server = TestServer.echo(ServerSupervisor.builder().build())) {
      SupervisedConnection client =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
              .heartbeat(Heartbeat.ping().interval(Duration.ofMillis(100)))
              .connection();
      client.events().subscribe(events::add);
      Disposable reading = client.inbound().subscribe(frame -> {}, error -> {});
      try {
        RealTime.await(
            "a heartbeat answered after the resources were recreated",
            () -> events.stream().anyMatch(ConnectionEvent.HeartbeatAnswered.class::isInstance));
      } finally {
        reading.dispose();
      }
    }
  }

  @Test
  void otherTransportsUseTheParallelScheduler() {
    assertThat(Supervisor.create(new InMemoryTransport()).scheduler())
        .isSameAs(Schedulers.parallel());
  }
}
