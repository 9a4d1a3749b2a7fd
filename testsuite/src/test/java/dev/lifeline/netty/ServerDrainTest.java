package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.support.RealTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.util.retry.Retry;

/**
 * {@link ServerSupervisor#drain(Duration)} closes every client with 1012 (service restart) at
 * random instants within the window, so that their reconnects spread instead of arriving at once.
 * Twenty JDK WebSocket clients; generous bounds.
 */
class ServerDrainTest {
  private static final int CLIENTS = 20;

  @Test
  void drainClosesEveryClientWith1012SpreadOverTheWindow() throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server = TestServer.echo(supervisor)) {
      HttpClient http = HttpClient.newHttpClient();
      List<CompletableFuture<long[]>> closes = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        CompletableFuture<long[]> closed = new CompletableFuture<>();
        closes.add(closed);
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create(server.uri("/ws")),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                    closed.complete(new long[] {System.nanoTime(), code});
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
      }
      dev.lifeline.support.RealTime.await(
          "every client connected", () -> supervisor.connections() == CLIENTS);

      long start = System.nanoTime();
      supervisor.drain(Duration.ofSeconds(1)).block(Duration.ofSeconds(20));

      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (CompletableFuture<long[]> close : closes) {
        long[] seen = close.get(10, TimeUnit.SECONDS);
        assertThat(seen[1]).as("close code").isEqualTo(1012);
        first = Math.min(first, seen[0]);
        last = Math.max(last, seen[0]);
      }
      assertThat(Duration.ofNanos(last - start)).isLessThan(Duration.ofSeconds(6));
      // twenty instants drawn uniformly over 1 s span less than 300 ms with odds below 1e-9
      assertThat(Duration.ofNanos(last - first)).isGreaterThan(Duration.ofMillis(300));
      assertThat(supervisor.connections()).isZero();
    }
  }

  @Test
  void lifelineClientsClosedAtOnceWithAHintComeBackSpreadOverIt() throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    List<ServerEvent.ClientConnected> connected = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Long> connectedAt = new java.util.concurrent.CopyOnWriteArrayList<>();
    supervisor
        .events()
        .ofType(ServerEvent.ClientConnected.class)
        .subscribe(e -> connectedAt.add(System.nanoTime()));
    List<SupervisedConnection> clients = new ArrayList<>();
    List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (TestServer server = TestServer.echo(supervisor)) {
      for (int i = 0; i < CLIENTS; i++) {
        SupervisedConnection client =
            Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
                .retry(Retry.fixedDelay(3, Duration.ofMillis(100)))
                .connection();
        client
            .events()
            .ofType(ConnectionEvent.Disconnected.class)
            .subscribe(d -> reasons.add(d.cause().getMessage()));
        client.inbound().subscribe();
        clients.add(client);
      }
      RealTime.await("every client connected", () -> supervisor.connections() == CLIENTS);

      // all closed at once; the hint alone spreads their return over 2 s
      long drained = System.nanoTime();
      supervisor.drain(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(20));
      RealTime.await("every client back", () -> connectedAt.size() == 2 * CLIENTS);

      assertThat(reasons)
          .hasSize(CLIENTS)
          .allSatisfy(
              r ->
                  assertThat(r)
                      .endsWith(
                          "1012 (service restart): \"service restart; reconnect within 2000 ms\""));
      List<Long> back = connectedAt.subList(CLIENTS, 2 * CLIENTS);
      long first = back.stream().mapToLong(Long::longValue).min().orElseThrow();
      long last = back.stream().mapToLong(Long::longValue).max().orElseThrow();
      assertThat(Duration.ofNanos(first - drained))
          .as("the policy's 100 ms first")
          .isGreaterThan(Duration.ofMillis(100));
      // twenty uniform draws over 2 s span less than 600 ms with odds below 1e-7
      assertThat(Duration.ofNanos(last - first)).isGreaterThan(Duration.ofMillis(600));
    } finally {
      clients.forEach(c -> c.close().block(Duration.ofSeconds(10)));
    }
  }

  @Test
  void aHintOutsideWholeMillisecondsUpToAboutElevenDaysIsRefused() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    assertThatThrownBy(() -> supervisor.drain(Duration.ZERO, Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "reconnectWithin must be between 1 ms and 999999999 ms (about 11.5 days), was"
                + " PT0.000999999S");
  }

  @Test
  void aNegativeWindowIsRefused() {
    assertThatThrownBy(() -> ServerSupervisor.builder().build().drain(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("drain window must not be negative, was PT-0.001S");
  }
}
