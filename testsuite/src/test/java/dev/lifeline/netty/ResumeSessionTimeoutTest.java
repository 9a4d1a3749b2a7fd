package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import dev.lifeline.support.TrackingScheduler;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.retry.Retry;

/**
 * The server keeps a detached resume session for exactly its session timeout, on the server's own
 * virtual clock: the connection is a real socket, the server's timers are virtual, and the client
 * (on real time, never reconnecting) leaves a session that expires at the millisecond.
 */
class ResumeSessionTimeoutTest {

  @Test
  void aDetachedSessionExpiresExactlyAtTheSessionTimeout() throws Exception {
    VirtualTimeScheduler virtual = VirtualTimeScheduler.create();
    TrackingScheduler timers = new TrackingScheduler(virtual);
    List<ServerEvent> events = new CopyOnWriteArrayList<>();
    ServerSupervisor supervisor =
        ServerSupervisor.builder()
            .resume(Resume.defaults())
            .sessionTimeout(Duration.ofSeconds(180))
            .scheduler(timers)
            .build();
    Disposable listening = supervisor.events().subscribe(events::add);
    try (TestServer server =
            TestServer.start(
                0, routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))));
        FaultProxy proxy = FaultProxy.start(new InetSocketAddress("127.0.0.1", server.port()))) {
      SupervisedConnection client =
          Supervisor.create(WebSocketTransport.create("ws://127.0.0.1:" + proxy.port() + "/ws"))
              .retry(Retry.max(0)) // it never comes back
              .resume(Resume.defaults())
              .connection();
      try (EventRecorder clientEvents = new EventRecorder(client.events())) {
        client.inbound().subscribe(f -> {}, e -> {});
        clientEvents.await(ConnectionEvent.SessionStarted.class, 1);

        proxy.reset();
        RealTime.await(
            "the session detached: its expiry the server's only timer",
            () ->
                events.stream().anyMatch(ServerEvent.ClientClosed.class::isInstance)
                    && timers.pending() == 1);

        virtual.advanceTimeBy(Duration.ofMillis(179_999));
        RealTime.sleep(Duration.ofMillis(200)); // an expiry would hop into the session's mailbox
        assertThat(events).noneMatch(ServerEvent.SessionExpired.class::isInstance);

        virtual.advanceTimeBy(Duration.ofMillis(1));
        RealTime.await(
            "the expiry",
            () -> events.stream().anyMatch(ServerEvent.SessionExpired.class::isInstance));
        ServerEvent.SessionExpired expired =
            events.stream()
                .filter(ServerEvent.SessionExpired.class::isInstance)
                .map(ServerEvent.SessionExpired.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(expired.reason()).isEqualTo("the client did not come back within 180000 ms");
        assertThat(expired.time().toEpochMilli()).isEqualTo(180_000);
        assertThat(timers.pending()).isZero();
        assertThat(supervisor.sessions()).isZero();
      }
    } finally {
      listening.dispose();
      virtual.dispose();
    }
  }
}
