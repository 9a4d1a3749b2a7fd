package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.internal.ws.RealWebSocket;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** Our client and our server against OkHttp's WebSocket, an implementation nobody here wrote. */
class OkHttpInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void rfcHeartbeatIsAnsweredByOkHttpMockWebServer() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      WebSocketListener listener =
          new WebSocketListener() {
            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
              webSocket.close(code, null);
            }
          };
      server.enqueue(new MockResponse.Builder().webSocketUpgrade(listener).build());
      server.start(java.net.InetAddress.getLoopbackAddress(), 0);
      String uri = "ws://127.0.0.1:" + server.getPort() + "/ws";
      SupervisedConnection ws =
          Supervisor.create(WebSocketTransport.create(uri))
              .heartbeat(
                  Heartbeat.ping().interval(Duration.ofMillis(200)).timeout(Duration.ofMillis(150)))
              .connection();
      Flux<ConnectionEvent> events = ws.events().replay().autoConnect(0);
      ws.inbound().subscribe();

      List<ConnectionEvent.HeartbeatAnswered> answered =
          events.ofType(ConnectionEvent.HeartbeatAnswered.class).take(2).collectList().block(WAIT);

      assertThat(answered)
          .extracting(ConnectionEvent.HeartbeatAnswered::sequence)
          .containsExactly(1L, 2L);
      ws.close().block(WAIT);
    }
  }

  @Test
  void okHttpClientGetsTextHeartbeatAnsweredAndDataEchoedByOurServer() throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    OkHttpClient client =
        new OkHttpClient.Builder().pingInterval(200, TimeUnit.MILLISECONDS).build();
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    try (TestServer server = TestServer.echo(supervisor)) {
      WebSocket socket =
          client.newWebSocket(
              new Request.Builder().url("http://127.0.0.1:" + server.port() + "/ws").build(),
              new WebSocketListener() {
                @Override
                public void onMessage(WebSocket webSocket, String text) {
                  received.add(text);
                }

                @Override
                public void onFailure(WebSocket webSocket, Throwable t, Response response) {
                  failures.add(t);
                }
              });

      socket.send("heart_beat");
      assertThat(received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("ok");
      socket.send("hello");
      assertThat(received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("hello");
      // OkHttp's own RFC pings, answered by Netty; OkHttp fails the socket on a missed pong
      RealWebSocket real = (RealWebSocket) socket;
      WebSocketTransportTest.await(() -> real.receivedPongCount() >= 3);
      assertThat(failures).isEmpty();

      socket.close(1000, "done");
      WebSocketTransportTest.await(() -> supervisor.connections() == 0);
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
