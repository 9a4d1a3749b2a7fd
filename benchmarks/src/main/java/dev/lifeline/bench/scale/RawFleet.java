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
 * connections, without a pool, as {@code WebSocketTransport} uses it. Per connection the fleet
 * keeps one {@link State} (its measurement), the same as {@link LifelineFleet}'s.
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
    State state = new State(settled);
    client
        .websocket()
        .uri(uri)
        .handle(
            (in, out) -> {
              state.connected();
              Mono<Void> reading =
                  in.receiveFrames()
                      .doOnNext(state::received)
                      .timeout(deadAfter)
                      .doOnError(TimeoutException.class, state::dead)
                      .then();
              Flux<WebSocketFrame> beats = Flux.interval(interval).map(state::beat);
              return Mono.when(out.sendObject(beats).then(), reading);
            })
        .subscribe(null, state::failed, stats.disconnects::increment);
  }

  /** One connection's view, with the fields of {@link LifelineFleet}'s. */
  private final class State {
    private final Runnable settled;
    private boolean everConnected;
    private boolean settledOnce;
    private volatile long sentAt;

    State(Runnable settled) {
      this.settled = settled;
    }

    void connected() {
      everConnected = true;
      stats.connected.increment();
      settle();
    }

    WebSocketFrame beat(long tick) {
      sentAt = System.nanoTime();
      stats.sent();
      return new TextWebSocketFrame("heart_beat");
    }

    void received(WebSocketFrame frame) {
      if (frame instanceof TextWebSocketFrame text && "ok".equals(text.text())) {
        stats.recordRtt(System.nanoTime() - sentAt);
      }
    }

    void dead(TimeoutException e) {
      stats.deaths.increment();
    }

    void failed(Throwable error) {
      if (!everConnected) {
        stats.failedAttempts.increment();
        settle(); // a failed handshake never reached the handler
      }
      stats.disconnects.increment();
    }

    private void settle() {
      if (!settledOnce) {
        settledOnce = true;
        settled.run();
      }
    }
  }
}
