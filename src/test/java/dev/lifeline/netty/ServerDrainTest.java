package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void aNegativeWindowIsRefused() {
    assertThatThrownBy(() -> ServerSupervisor.builder().build().drain(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("drain window must not be negative, was PT-0.001S");
  }
}
