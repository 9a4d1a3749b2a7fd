package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Closes the server starts (idle limit, the application's close) are a complete closing handshake
 * (RFC 6455 7.1.1): the server writes its close frame, keeps the connection until the client's
 * answer arrives, then closes TCP, so a browser-like client sees a clean close with the server's
 * code and reason; a client that never answers is closed at the close timeout. Real sockets, with
 * clients that are not Lifeline: the JDK's WebSocket and a hand-written one that controls exactly
 * when it answers.
 */
class ServerClosingHandshakeTest {

  @Test
  void jdkClientSeesTheIdleCloseCodeAndReasonAndNoErrorAndTheServerSeesItsAnswer()
      throws Exception {
    ServerSupervisor supervisor =
        ServerSupervisor.builder().idleTimeout(Duration.ofMillis(300)).build();
    List<ServerEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch serverClosed = new CountDownLatch(1);
    Disposable listening =
        supervisor
            .events()
            .subscribe(
                event -> {
                  events.add(event);
                  if (event instanceof ServerEvent.ClientClosed) {
                    serverClosed.countDown();
                  }
                });
    try (TestServer server = TestServer.echo(supervisor)) {
      Recorder client = new Recorder();
      HttpClient.newHttpClient()
          .newWebSocketBuilder()
          .buildAsync(URI.create(server.uri("/ws")), client)
          .get(10, TimeUnit.SECONDS);

      assertThat(client.closed.await(10, TimeUnit.SECONDS)).as("client saw a close").isTrue();
      assertThat(client.code).isEqualTo(1001);
      assertThat(client.reason).startsWith("idle: no frame for ").endsWith(" ms (limit 300 ms)");
      assertThat(serverClosed.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(client.errored.await(500, TimeUnit.MILLISECONDS))
          .as("client error (a reset would be one): %s", client.error)
          .isFalse();
      ServerEvent.ClientIdleClosed idle =
          (ServerEvent.ClientIdleClosed)
              events.stream()
                  .filter(e -> e instanceof ServerEvent.ClientIdleClosed)
                  .findFirst()
                  .orElseThrow();
      ServerEvent.ClientClosed closed = (ServerEvent.ClientClosed) events.get(events.size() - 1);
      assertThat(closed.code()).isEqualTo(1001);
      // closed by the client's answer, well before the 5 s close timeout
      assertThat(Duration.between(idle.time(), closed.time())).isLessThan(Duration.ofSeconds(4));
    } finally {
      listening.dispose();
    }
  }

  @Test
  void serverKeepsTheConnectionOpenUntilTheClientAnswersItsClose() throws Exception {
    ServerSupervisor supervisor =
        ServerSupervisor.builder().idleTimeout(Duration.ofMillis(300)).build();
    try (TestServer server = TestServer.echo(supervisor);
        RawClient client = RawClient.connect(server.port())) {
      RawClient.Close close = client.readClose(Duration.ofSeconds(10));
      assertThat(close.code()).isEqualTo(1001);
      assertThat(close.reason()).startsWith("idle: no frame for ");

      // the client takes its time to answer, as a browser's event loop may: the server waits
      assertThat(client.endsWithin(Duration.ofMillis(400)))
          .as("server closed TCP before the client's close frame")
          .isFalse();
      client.sendClose(1001);
      assertThat(client.endsWithin(Duration.ofSeconds(10))).as("clean end after").isTrue();
    }
  }

  @Test
  void clientThatNeverAnswersIsClosedAtTheCloseTimeout() throws Exception {
    ServerSupervisor supervisor =
        ServerSupervisor.builder()
            .idleTimeout(Duration.ofMillis(300))
            .closeTimeout(Duration.ofSeconds(1))
            .build();
    try (TestServer server = TestServer.echo(supervisor);
        RawClient client = RawClient.connect(server.port())) {
      client.readClose(Duration.ofSeconds(10));
      long closeRead = System.nanoTime();

      assertThat(client.endsWithin(Duration.ofSeconds(10))).isTrue();
      Duration held = Duration.ofNanos(System.nanoTime() - closeRead);
      // generous bounds: a shared, noisy machine
      assertThat(held).isBetween(Duration.ofMillis(700), Duration.ofSeconds(5));
    }
  }

  @Test
  void applicationCloseCodeAndReasonReachTheClientThroughAFullHandshake() throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server =
            TestServer.start(
                0,
                routes ->
                    routes.ws(
                        "/ws",
                        supervisor.handler(
                            c -> c.close(4000, "bye").then(reactor.core.publisher.Mono.never()))));
        RawClient client = RawClient.connect(server.port())) {
      RawClient.Close close = client.readClose(Duration.ofSeconds(10));
      assertThat(close.code()).isEqualTo(4000);
      assertThat(close.reason()).isEqualTo("bye");
      assertThat(client.endsWithin(Duration.ofMillis(400))).isFalse();
      client.sendClose(4000);
      assertThat(client.endsWithin(Duration.ofSeconds(10))).isTrue();
    }
  }

  /** The JDK client's view: its close callback, and any error. */
  private static final class Recorder implements WebSocket.Listener {
    final CountDownLatch closed = new CountDownLatch(1);
    final CountDownLatch errored = new CountDownLatch(1);
    volatile int code;
    volatile String reason;
    volatile Throwable error;

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String text) {
      code = statusCode;
      reason = text;
      closed.countDown();
      // completing at once: the JDK answers with its own close frame (RFC 6455 5.5.1)
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable failure) {
      error = failure;
      errored.countDown();
    }
  }
}
