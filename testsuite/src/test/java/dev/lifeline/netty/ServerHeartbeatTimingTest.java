package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Heartbeat;
import dev.lifeline.support.RealTime;
import dev.lifeline.support.TrackingScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The server's heartbeats to its clients, to the millisecond on the server's own virtual clock: the
 * connection is a real socket to a client that never answers, the server's timers are virtual. A
 * client silent since {@code s} gets heartbeat {@code k} at {@code s + I + (k-1)·T} and is closed
 * as dead at {@code s + I + M·T} (C2, C3 and C10, server side).
 */
class ServerHeartbeatTimingTest {
  private static final int PING = 0x9;
  private static final int CLOSE = 0x8;
  private static final Duration QUIET = Duration.ofMillis(300);
  private static final Duration SOON = Duration.ofSeconds(10);

  private final VirtualTimeScheduler virtual = VirtualTimeScheduler.create();
  private final TrackingScheduler timers = new TrackingScheduler(virtual);
  private final List<ServerEvent> events = new CopyOnWriteArrayList<>();

  private ServerSupervisor supervisor(Heartbeat pings) {
    ServerSupervisor supervisor =
        ServerSupervisor.builder()
            .pingClients(pings)
            .closeTimeout(Duration.ofSeconds(1))
            .scheduler(timers)
            .build();
    supervisor.events().subscribe(events::add);
    return supervisor;
  }

  private <E extends ServerEvent> E first(Class<E> type) {
    RealTime.await(type.getSimpleName(), () -> events.stream().anyMatch(type::isInstance));
    return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
  }

  /**
   * Waits until the watchdog has scheduled its {@code n}th timer, the one pending: its ticks hop to
   * the channel's event loop, which schedules the next one, so the clock must not move before.
   */
  private void awaitTimer(int n) {
    RealTime.await(
        "timer #" + n + " (scheduled " + timers.scheduled() + ", pending " + timers.pending() + ")",
        () -> timers.scheduled() == n && timers.pending() == 1);
  }

  /** Advances the server's clock to {@code millis} after the client connected at 0. */
  private void advanceTo(long millis) {
    virtual.advanceTimeTo(java.time.Instant.ofEpochMilli(millis));
  }

  @Test
  void aSilentClientIsPingedAtTheIntervalAndClosedAtIntervalPlusTimeout() throws Exception {
    ServerSupervisor supervisor = supervisor(Heartbeat.ping());
    try (TestServer server = TestServer.echo(supervisor);
        RawClient client = RawClient.connect(server.port())) {
      first(ServerEvent.ClientConnected.class);
      awaitTimer(1);

      advanceTo(59_999);
      assertThat(client.nextOpcode(QUIET)).as("nothing before I").isEqualTo(-1);
      advanceTo(60_000);
      assertThat(client.nextOpcode(SOON)).as("heartbeat #1 at I").isEqualTo(PING);
      awaitTimer(2);

      advanceTo(64_999);
      assertThat(client.nextOpcode(QUIET)).as("alive until I + T").isEqualTo(-1);
      advanceTo(65_000);
      assertThat(client.nextOpcode(SOON)).as("closed at I + T").isEqualTo(CLOSE);
      assertThat(client.lastClose())
          .isEqualTo(new RawClient.Close(1001, "no answer to heartbeat #1 within 5000 ms"));

      ServerEvent.ClientDead dead = first(ServerEvent.ClientDead.class);
      assertThat(dead.time().toEpochMilli()).isEqualTo(65_000);
      assertThat(dead.silence()).isEqualTo(Duration.ofMillis(65_000));
      assertThat(dead.unanswered()).isEqualTo(1);
    }
  }

  @Test
  void withAnUnansweredLimitOfThreeTheServerPingsEveryTimeoutAndClosesAfterTheThird()
      throws Exception {
    ServerSupervisor supervisor = supervisor(Heartbeat.ping().unansweredLimit(3));
    try (TestServer server = TestServer.echo(supervisor);
        RawClient client = RawClient.connect(server.port())) {
      first(ServerEvent.ClientConnected.class);
      awaitTimer(1);

      int timer = 1;
      for (long at : new long[] {60_000, 65_000, 70_000}) {
        advanceTo(at - 1);
        assertThat(client.nextOpcode(QUIET)).as("nothing before %d", at).isEqualTo(-1);
        advanceTo(at);
        assertThat(client.nextOpcode(SOON)).as("a heartbeat at %d", at).isEqualTo(PING);
        awaitTimer(++timer);
      }
      advanceTo(74_999);
      assertThat(client.nextOpcode(QUIET)).isEqualTo(-1);
      advanceTo(75_000);
      assertThat(client.nextOpcode(SOON)).as("closed at I + 3T").isEqualTo(CLOSE);
      assertThat(client.pings()).isEqualTo(3);

      ServerEvent.ClientDead dead = first(ServerEvent.ClientDead.class);
      assertThat(dead.time().toEpochMilli()).isEqualTo(75_000);
      assertThat(dead.unanswered()).isEqualTo(3);
    }
  }
}
