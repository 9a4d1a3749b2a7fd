package dev.lifeline.bench.scale;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * OkHttp WebSockets with {@code pingInterval}: RFC pings, the connection fails when a pong is
 * missing at the next ping. One client for all connections; the dispatcher's limits are raised so
 * every handshake may run.
 */
final class OkHttpFleet implements Fleet {
  private final Stats stats;
  private final OkHttpClient client;

  OkHttpFleet(Stats stats, Duration interval) {
    this.stats = stats;
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(100_000);
    dispatcher.setMaxRequestsPerHost(100_000);
    this.client =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .pingInterval(interval.toMillis(), TimeUnit.MILLISECONDS)
            .build();
  }

  @Override
  public void open(URI uri, Runnable settled) {
    AtomicBoolean open = new AtomicBoolean();
    client.newWebSocket(
        new Request.Builder().url(uri.toString()).build(),
        new WebSocketListener() {
          @Override
          public void onOpen(WebSocket webSocket, Response response) {
            open.set(true);
            stats.connected.increment();
            settled.run();
          }

          @Override
          public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            if (open.get()) {
              stats.deaths.increment();
              stats.disconnects.increment();
            } else {
              stats.failedAttempts.increment();
              settled.run();
            }
          }

          @Override
          public void onClosed(WebSocket webSocket, int code, String reason) {
            stats.disconnects.increment();
          }
        });
  }
}
