package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.util.retry.Retry;

/**
 * The server's detached resume sessions are bounded in number: beyond {@code maxDetachedSessions}
 * the one waiting longest expires at once, both sides are told, and its client starts a new
 * session; the others resume.
 */
class DetachedSessionsTest {

  @Test
  void theInMemoryStoreEvictsTheOldestAndLetsOneOfClaimAndRemoveWin() {
    DetachedSessions.InMemory store = new DetachedSessions.InMemory(2);
    ResumedSession a = session();
    ResumedSession b = session();
    ResumedSession c = session();
    assertThat(store.park("a", a)).isEmpty();
    assertThat(store.park("b", b)).isEmpty();
    assertThat(store.park("c", c)).as("the oldest makes room").containsExactly(a);
    assertThat(store.claim("b")).isSameAs(b);
    assertThat(store.remove("b", b)).as("claimed first: the expiry loses").isFalse();
    assertThat(store.remove("c", c)).as("not claimed: the expiry wins").isTrue();
    assertThat(store.claim("c")).as("removed first: the HELLO finds nothing").isNull();
  }

  @Test
  void beyondTheBoundTheOldestDetachedSessionExpiresAndItsClientStartsANewOne() throws Exception {
    List<ServerEvent> serverEvents = new CopyOnWriteArrayList<>();
    ServerSupervisor supervisor =
        ServerSupervisor.builder().resume(Resume.defaults()).maxDetachedSessions(1).build();
    Disposable listening = supervisor.events().subscribe(serverEvents::add);
    try (TestServer server =
            TestServer.start(
                0, routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))));
        FaultProxy proxy = FaultProxy.start(new InetSocketAddress("127.0.0.1", server.port()))) {
      SupervisedConnection first = client(proxy);
      SupervisedConnection second = client(proxy);
      try (EventRecorder one = new EventRecorder(first.events());
          EventRecorder two = new EventRecorder(second.events())) {
        first.inbound().subscribe(f -> {}, e -> {});
        second.inbound().subscribe(f -> {}, e -> {});
        one.await(ConnectionEvent.SessionStarted.class, 1);
        two.await(ConnectionEvent.SessionStarted.class, 1);

        proxy.reset(); // both lose their connection at once: two detached sessions, room for one

        RealTime.await(
            "one resumed and one lost",
            () ->
                one.count(ConnectionEvent.SessionResumed.class)
                            + two.count(ConnectionEvent.SessionResumed.class)
                        == 1
                    && one.count(ConnectionEvent.SessionLost.class)
                            + two.count(ConnectionEvent.SessionLost.class)
                        == 1);
        List<ServerEvent.SessionExpired> expired =
            serverEvents.stream()
                .filter(ServerEvent.SessionExpired.class::isInstance)
                .map(ServerEvent.SessionExpired.class::cast)
                .toList();
        assertThat(expired)
            .singleElement()
            .extracting(ServerEvent.SessionExpired::reason)
            .isEqualTo("evicted: more than 1 sessions were waiting for their client");
        first.close().block(RealTime.PATIENCE);
        second.close().block(RealTime.PATIENCE);
      }
    } finally {
      listening.dispose();
    }
  }

  /** A session that is never started: the store only keeps and compares them. */
  private static ResumedSession session() {
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(Resume.defaults()).build();
    return new ResumedSession(
        supervisor, null, "s", new byte[16], Resume.defaults(), new InetSocketAddress(0));
  }

  private static SupervisedConnection client(FaultProxy proxy) {
    return Supervisor.create(
            dev.lifeline.netty.WebSocketTransport.create("ws://127.0.0.1:" + proxy.port() + "/ws"))
        .retry(Retry.fixedDelay(10, Duration.ofMillis(200)))
        .resume(Resume.defaults())
        .connection();
  }
}
