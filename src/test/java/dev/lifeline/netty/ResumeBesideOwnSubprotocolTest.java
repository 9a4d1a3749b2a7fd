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

  @Test
  void aLifelineClientWithItsOwnSubprotocolResumesAgainstARouteThatSpeaksIt() {
    ServerSupervisor supervisor = ServerSupervisor.builder().resume(Resume.defaults()).build();
    try (TestServer server = serve(supervisor, OWN)) {
      SupervisedConnection client =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")).subprotocols(OWN))
              .resume(Resume.defaults())
              .connection();
      Queue<String> echoed = new ConcurrentLinkedQueue<>();
      try (EventRecorder events = new EventRecorder(client.events())) {
        Disposable reading =
            client.inbound().ofType(Frame.Text.class).map(Frame.Text::text).subscribe(echoed::add);
        events.await(ConnectionEvent.SessionStarted.class, 1);
        client.send(Frame.text("over chat.v2, resumable")).block(Duration.ofSeconds(10));
        RealTime.await("the echo", () -> !echoed.isEmpty());
        assertThat(List.copyOf(echoed)).containsExactly("over chat.v2, resumable");
        assertThat(supervisor.sessions()).isEqualTo(1);
        reading.dispose();
        client.close().block(Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void aLifelineClientWithItsOwnSubprotocolRunsPlainAgainstAServerWithoutResume() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server = serve(supervisor, OWN)) {
      SupervisedConnection client =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws")).subprotocols(OWN))
              .resume(Resume.defaults())
              .connection();
      Queue<String> echoed = new ConcurrentLinkedQueue<>();
      try (EventRecorder events = new EventRecorder(client.events())) {
        Disposable reading =
            client.inbound().ofType(Frame.Text.class).map(Frame.Text::text).subscribe(echoed::add);
        events.await(ConnectionEvent.Connected.class, 1);
        client.send(Frame.text("plain chat.v2")).block(Duration.ofSeconds(10));
        RealTime.await("the echo", () -> !echoed.isEmpty());
        assertThat(events.all(ConnectionEvent.SessionStarted.class)).isEmpty();
        reading.dispose();
        client.close().block(Duration.ofSeconds(10));
      }
    }
  }
}
