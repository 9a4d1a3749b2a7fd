package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A server whose timer scheduler refuses the liveness timer does not keep the client's connection
 * open unwatched (a dead client would never be noticed): it closes it with 1011 at once. Real
 * socket, a JDK client; generous bounds.
 */
class ServerTimersRefusedTest {

  @Test
  void aConnectionTheServerCannotWatchIsClosedWith1011() throws Exception {
    Scheduler disposed = Schedulers.newSingle("disposed-for-test");
    disposed.dispose();
    ServerSupervisor supervisor = ServerSupervisor.builder().scheduler(disposed).build();
    CompletableFuture<ServerEvent.ClientClosed> serverSaw = new CompletableFuture<>();
    supervisor.events().ofType(ServerEvent.ClientClosed.class).subscribe(serverSaw::complete);
    try (TestServer server = TestServer.echo(supervisor)) {
      CompletableFuture<Integer> closed = new CompletableFuture<>();
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

                @Override
                public void onError(WebSocket ws, Throwable error) {
                  closed.completeExceptionally(error);
                }
              })
          .get(10, TimeUnit.SECONDS);

      assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(1011);
      assertThat(serverSaw.get(10, TimeUnit.SECONDS).code()).isEqualTo(1011);
      assertThat(serverSaw.get().reason()).isEqualTo("server timers unavailable");
    }
  }
}
