package dev.lifeline.bench.scale;

import java.net.URI;
import java.time.Duration;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * Java-WebSocket clients with {@code connectionLostTimeout}: RFC pings every timeout period, the
 * connection closes when no pong came for 1.5 periods. One {@code WebSocketClient} per connection,
 * as the library is designed.
 */
final class JavaWebSocketFleet implements Fleet {
  private final Stats stats;
  private final int lostTimeoutSeconds;

  JavaWebSocketFleet(Stats stats, Duration interval) {
    this.stats = stats;
    this.lostTimeoutSeconds = (int) Math.max(1, interval.toSeconds());
  }

  @Override
  public void open(URI uri, Runnable settled) {
    WebSocketClient client =
        new WebSocketClient(uri) {
          private volatile boolean opened;

          @Override
          public void onOpen(ServerHandshake handshake) {
            opened = true;
            stats.connected.increment();
            settled.run();
          }

          @Override
          public void onMessage(String message) {}

          @Override
          public void onClose(int code, String reason, boolean remote) {
            if (opened) {
              stats.disconnects.increment();
              if (code == 1006) {
                stats.deaths.increment();
              }
            } else {
              stats.failedAttempts.increment();
              settled.run();
            }
          }

          @Override
          public void onError(Exception ex) {
            // onClose follows and counts it
          }
        };
    client.setConnectionLostTimeout(lostTimeoutSeconds);
    client.connect();
  }
}
