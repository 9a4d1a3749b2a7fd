package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Resume beside the application's own subprotocol: a handshake selects only one, so the client
 * offers {@code lifeline.resume.v1+chat.v2} before {@code chat.v2}, and a resuming server whose
 * route speaks {@code chat.v2} selects the joined form; every other pairing keeps today's
 * negotiation. Real sockets.
 */
class ResumeBesideOwnSubprotocolTest {
  private static final String OWN = "chat.v2";

  private static TestServer serve(ServerSupervisor supervisor, String... own) {
    return TestServer.start(
        0, routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()), own)));
  }

  private static String selectedFor(TestServer server, String... offered) throws Exception {
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .subprotocols(offered[0], java.util.Arrays.copyOfRange(offered, 1, offered.length))
            .buildAsync(URI.create(server.uri("/ws")), new WebSocket.Listener() {})
            .get(10, TimeUnit.SECONDS);
    String selected = ws.getSubprotocol();
    ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    return selected;
  }

  @Test
  void aResumingServerWithTheApplicationsSubprotocolSelectsTheJoinedForm() throws Exception {
    try (TestServer server =
        serve(ServerSupervisor.builder().resume(Resume.defaults()).build(), OWN)) {
      assertThat(selectedFor(server, "lifeline.resume.v1+" + OWN, OWN))
          .isEqualTo("lifeline.resume.v1+" + OWN);
      // resume alone does not carry the application's subprotocol: plain chat.v2
      assertThat(selectedFor(server, "lifeline.resume.v1", OWN)).isEqualTo(OWN);
      // a client without subprotocols of its own still resumes (the route would not run at all
      // for a plain handshake that selects none of its subprotocols)
      assertThat(selectedFor(server, "lifeline.resume.v1")).isEqualTo("lifeline.resume.v1");
      // joined to a subprotocol the route does not speak: plain negotiation
      assertThat(selectedFor(server, "lifeline.resume.v1+other", OWN)).isEqualTo(OWN);
    }
  }

  @Test
  void aServerWithoutResumeSelectsTheApplicationsOwnAsBefore() throws Exception {
    try (TestServer server = serve(ServerSupervisor.builder().build(), OWN)) {
      assertThat(selectedFor(server, "lifeline.resume.v1+" + OWN, OWN)).isEqualTo(OWN);
    }
  }

  /**
   * What a resuming Lifeline client offering {@code OWN} got back and saw, one text echoed; {@code
   * whileOpen} runs once the echo arrived, before the client closes.
   */
  private record Echo(List<String> echoed, List<ConnectionEvent> events) {}

  private static Echo echoOnce(
      TestServer server, String text, Class<? extends ConnectionEvent> ready, Runnable whileOpen) {
    SupervisedConnection client =
        Supervisor.create(WebSocketTransport.create(server.uri("/ws")).subprotocols(OWN))
            .resume(Resume.defaults())
            .connection();
    Queue<String> echoed = new ConcurrentLinkedQueue<>();
    try (EventRecorder events = new EventRecorder(client.events())) {
      Disposable reading =
          client.inbound().ofType(Frame.Text.class).map(Frame.Text::text).subscribe(echoed::add);
      events.await(ready, 1);
      client.send(Frame.text(text)).block(Duration.ofSeconds(10));
      RealTime.await("the echo", () -> !echoed.isEmpty());
      whileOpen.run();
      reading.dispose();
      client.close().block(Duration.ofSeconds(10));
      return new Echo(List.copyOf(echoed), events.all(ConnectionEvent.class));
    }
  }

  @Test
  void aLifelineClientWithItsOwnSubprotocolResumesAgainstARouteThatSpeaksIt() {
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(Resume.defaults()).build();
    try (TestServer server = serve(supervisor, OWN)) {
      Echo echo =
          echoOnce(
              server,
              "over chat.v2, resumable",
              ConnectionEvent.SessionStarted.class,
              () -> assertThat(supervisor.sessions()).isEqualTo(1));

      assertThat(echo.echoed()).containsExactly("over chat.v2, resumable");
    }
  }

  @Test
  void aLifelineClientWithItsOwnSubprotocolRunsPlainAgainstAServerWithoutResume() {
    try (TestServer server = serve(ServerSupervisor.builder().build(), OWN)) {
      Echo echo = echoOnce(server, "plain chat.v2", ConnectionEvent.Connected.class, () -> {});

      assertThat(echo.echoed()).containsExactly("plain chat.v2");
      assertThat(echo.events()).noneMatch(ConnectionEvent.SessionStarted.class::isInstance);
    }
  }
}
