package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.support.RealTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * The server heartbeats its clients ({@link ServerSupervisor.Builder#pingClients}): a client that
 * only listens but answers pings, as browsers and the JDK's WebSocket do by themselves, is kept;
 * one that answers nothing is closed with 1001 one interval plus one timeout after its last frame.
 * Real sockets, clients that are not Lifeline; generous bounds.
 */
class ServerHeartbeatTest {
  private final List<ServerEvent> events = new CopyOnWriteArrayList<>();
  private Disposable listening;

  private ServerSupervisor supervisor(ServerSupervisor.Builder builder) {
    ServerSupervisor supervisor = builder.build();
    listening = supervisor.events().subscribe(events::add);
    return supervisor;
  }

  @AfterEach
  void stop() {
    if (listening != null) {
      listening.dispose();
    }
  }

  private <E extends ServerEvent> List<E> all(Class<E> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aClientThatOnlyListensButAnswersPingsIsKeptAndItsRoundTripsAreReported() throws Exception {
    ServerSupervisor supervisor =
        supervisor(
            ServerSupervisor.builder()
                .pingClients(
                    Heartbeat.ping()
                        .interval(Duration.ofMillis(200))
                        .timeout(Duration.ofMillis(300))));
    try (TestServer server = TestServer.echo(supervisor)) {
      CompletableFuture<Integer> closed = new CompletableFuture<>();
      WebSocket client =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create(server.uri("/ws")),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                      closed.complete(code);
                      return null;
                    }
                  })
              .get(10, TimeUnit.SECONDS);

      RealTime.await(
          "five answered pings", () -> all(ServerEvent.ClientHeartbeatAnswered.class).size() >= 5);

      assertThat(closed).as("the listening client is still open").isNotDone();
      assertThat(all(ServerEvent.ClientDead.class)).isEmpty();
      assertThat(all(ServerEvent.ClientIdleClosed.class)).isEmpty();
      List<ServerEvent.ClientHeartbeatAnswered> answered =
          all(ServerEvent.ClientHeartbeatAnswered.class);
      assertThat(answered)
          .extracting(ServerEvent.ClientHeartbeatAnswered::sequence)
          .startsWith(1L, 2L, 3L, 4L, 5L);
      assertThat(answered)
          .allSatisfy(
              a -> assertThat(a.roundTrip()).isPositive().isLessThan(Duration.ofMillis(300)));
      client.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void inTheSeedsTextDialectTheServerSendsHeartBeatAndAnOkAnswersItUnseenByTheApplication()
      throws Exception {
    List<String> reachedTheApplication = new CopyOnWriteArrayList<>();
    ServerSupervisor supervisor =
        supervisor(
            ServerSupervisor.builder()
                .heartbeat(Heartbeat.text("heart_beat", "ok"))
                .pingClients(
                    Heartbeat.text("heart_beat", "ok")
                        .interval(Duration.ofMillis(200))
                        .timeout(Duration.ofSeconds(5))));
    try (TestServer server =
        TestServer.start(
            0,
            routes ->
                routes.get(
                    "/ws",
                    supervisor.upgrade(
                        c ->
                            c.inbound()
                                .ofType(dev.lifeline.Frame.Text.class)
                                .doOnNext(t -> reachedTheApplication.add(t.text()))
                                .then())))) {
      List<String> heard = new CopyOnWriteArrayList<>();
      WebSocket client =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create(server.uri("/ws")),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(
                        WebSocket ws, CharSequence text, boolean last) {
                      heard.add(text.toString());
                      ws.request(1);
                      // the seed's client: "heart_beat" is answered with "ok"
                      return "heart_beat".contentEquals(text) ? ws.sendText("ok", true) : null;
                    }
                  })
              .get(10, TimeUnit.SECONDS);

      RealTime.await(
          "three answered heartbeats",
          () -> all(ServerEvent.ClientHeartbeatAnswered.class).size() >= 3);

      assertThat(heard).hasSizeGreaterThanOrEqualTo(3).containsOnly("heart_beat");
      assertThat(all(ServerEvent.ClientDead.class)).isEmpty();
      assertThat(reachedTheApplication).as("answers are heartbeat traffic").isEmpty();
      client.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientThatAnswersNothingIsClosedWith1001AfterIntervalPlusTimeout() throws Exception {
    ServerSupervisor supervisor =
        supervisor(
            ServerSupervisor.builder()
                .pingClients(
                    Heartbeat.ping()
                        .interval(Duration.ofMillis(300))
                        .timeout(Duration.ofMillis(300)))
                .closeTimeout(Duration.ofMillis(500)));
    try (TestServer server = TestServer.echo(supervisor)) {
      long start = System.nanoTime();
      try (RawClient client = RawClient.connect(server.port())) {
        RawClient.Close close = client.readClose(Duration.ofSeconds(10));
        Duration afterConnect = Duration.ofNanos(System.nanoTime() - start);

        assertThat(close.code()).isEqualTo(1001);
        assertThat(close.reason()).isEqualTo("no answer to heartbeat #1 within 300 ms");
        assertThat(client.pings()).isEqualTo(1);
        // 600 ms: generous bounds on a shared, noisy machine
        assertThat(afterConnect).isBetween(Duration.ofMillis(550), Duration.ofSeconds(5));
        assertThat(client.endsWithin(Duration.ofSeconds(10)))
            .as("closed at the close timeout")
            .isTrue();
      }
      RealTime.await("the close event", () -> !all(ServerEvent.ClientClosed.class).isEmpty());
      ServerEvent.ClientDead dead = all(ServerEvent.ClientDead.class).get(0);
      assertThat(dead.sequence()).isEqualTo(1);
      assertThat(dead.unanswered()).isEqualTo(1);
      assertThat(dead.silence()).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }
  }

  @Test
  void withAnUnansweredLimitTheServerPingsThatOftenBeforeClosing() throws Exception {
    ServerSupervisor supervisor =
        supervisor(
            ServerSupervisor.builder()
                .pingClients(
                    Heartbeat.ping()
                        .interval(Duration.ofMillis(200))
                        .timeout(Duration.ofMillis(200))
                        .unansweredLimit(3))
                .closeTimeout(Duration.ofMillis(500)));
    try (TestServer server = TestServer.echo(supervisor);
        RawClient client = RawClient.connect(server.port())) {
      RawClient.Close close = client.readClose(Duration.ofSeconds(10));

      assertThat(close.reason()).isEqualTo("no answer to 3 heartbeats within 200 ms");
      assertThat(client.pings()).isEqualTo(3);
    }
    RealTime.await("the dead event", () -> !all(ServerEvent.ClientDead.class).isEmpty());
    assertThat(all(ServerEvent.ClientDead.class).get(0).unanswered()).isEqualTo(3);
  }

  @Test
  void pingingIsTheDefaultAndIdleTimeoutReplacesIt() {
    assertThat(ServerSupervisor.builder().build().pings()).isEqualTo(Heartbeat.ping());
    assertThat(ServerSupervisor.builder().idleTimeout(Duration.ofSeconds(9)).build().pings())
        .isNull();
  }

  @Test
  void aResumingServerRefusesATextHeartbeatForItsClients() {
    assertThatThrownBy(
            () ->
                ServerSupervisor.builder()
                    .resume(Resume.defaults())
                    .pingClients(Heartbeat.text("hb", "ok"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a resuming server heartbeats its clients with Heartbeat.ping() only, was"
                + " Heartbeat[text(hb -> ok), interval=PT1M, timeout=PT5S]: on a"
                + " lifeline.resume.v1 connection text and binary frames are data: use"
                + " pingClients(Heartbeat.ping()) with your interval and timeout, or"
                + " idleTimeout(..)");
  }
}
