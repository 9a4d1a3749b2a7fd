package dev.lifeline.bench.scale;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Raw Reactor Netty connections with the heartbeat an application would write by hand: {@code
 * Flux.interval} sends {@code heart_beat} every interval, and {@code timeout(interval + timeout)}
 * on the inbound frames declares the peer dead. No reconnect. One {@code HttpClient} for all
 * connections, without a pool, as {@code WebSocketTransport} uses it.
 */
final class RawFleet implements Fleet {
  private final Stats stats;
  private final Duration interval;
  private final Duration deadAfter;
  private final HttpClient client = HttpClient.create(ConnectionProvider.newConnection());

  RawFleet(Stats stats, Duration interval, Duration timeout) {
    this.stats = stats;
    this.interval = interval;
    this.deadAfter = interval.plus(timeout);
  }

  @Override
  public void open(URI uri, Runnable settled) {
    client
        .websocket()
        .uri(uri)
        .handle(
            (in, out) -> {
              stats.connected.increment();
              settled.run();
              long[] sentAt = new long[1];
              Mono<Void> reading =
                  in.receiveFrames()
                      .doOnNext(frame -> answered(frame, sentAt))
                      .timeout(deadAfter)
                      .doOnError(TimeoutException.class, e -> stats.deaths.increment())
                      .then();
              Flux<WebSocketFrame> beats =
                  Flux.interval(interval)
                      .map(
                          tick -> {
                            sentAt[0] = System.nanoTime();
                            stats.sent();
                            return new TextWebSocketFrame("heart_beat");
                          });
              return Mono.when(out.sendObject(beats).then(), reading);
            })
        .subscribe(
            null,
            error -> {
              stats.failedAttempts.increment();
              settled.run(); // a failed handshake never reached the handler
              stats.disconnects.increment();
            },
            stats.disconnects::increment);
  }

  private void answered(WebSocketFrame frame, long[] sentAt) {
    if (frame instanceof TextWebSocketFrame text && "ok".equals(text.text())) {
      stats.recordRtt(System.nanoTime() - sentAt[0]);
    }
  }
}
