package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.HandshakeException;
import dev.lifeline.HandshakeTimeoutException;
import dev.lifeline.Transport;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One connection attempt of a {@link WebSocketTransport}: connects, runs Lifeline's own handshake
 * timer from the moment the TCP (and TLS) connection stands, and hands the established connection
 * to the supervisor — or exactly one error, or nothing when cancelled. Whatever ends the attempt
 * first (handshake, failure, timeout, cancellation) wins; the others find the state taken and only
 * clean up.
 */
final class WebSocketAttempt {
  private static final int PENDING = 0;
  private static final int ESTABLISHED = 1;
  private static final int FAILED = 2;
  private static final int CANCELLED = 3;

  private final WebSocketTransport transport;
  private final Publisher<Frame> outbound;
  private final URI uri;
  private final AtomicInteger state = new AtomicInteger(PENDING);
  private volatile MonoSink<Transport.Connection> sink;
  private volatile Disposable exchange;
  private volatile Channel channel;
  private volatile Future<?> handshakeTimer;
  private volatile WebSocketConnection connection;

  WebSocketAttempt(WebSocketTransport transport, Publisher<Frame> outbound) {
    this.transport = transport;
    this.outbound = outbound;
    this.uri = transport.uri();
  }

  Mono<Transport.Connection> start() {
    return Mono.create(
        sink -> {
          this.sink = sink;
          sink.onCancel(this::cancel);
          exchange =
              transport
                  .httpClient()
                  .doOnConnected(connected -> onConnected(connected.channel()))
                  .websocket(transport.websocketSpec())
                  .uri(uri)
                  .handle(this::onHandshake)
                  .subscribe(null, this::onError, this::onEnd);
          if (state.get() == CANCELLED) {
            exchange.dispose();
          }
        });
  }

  private void onConnected(Channel channel) {
    this.channel = channel;
    if (state.get() != PENDING) {
      channel.close();
      return;
    }
    Duration timeout = transport.handshakeTimeout();
    handshakeTimer =
        channel
            .eventLoop()
            .schedule(
                () -> fail(new HandshakeTimeoutException(uri.toString(), timeout)),
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
  }

  private Publisher<Void> onHandshake(WebsocketInbound in, WebsocketOutbound out) {
    stopTimer();
    WebSocketConnection established =
        new WebSocketConnection(uri, in, out, transport.maxFramePayloadLength());
    if (!state.compareAndSet(PENDING, ESTABLISHED)) {
      established.dispose();
      return Mono.empty();
    }
    connection = established;
    sink.success(established);
    // Never completes while the connection lives (outbound never completes): a completed
    // handler would make Reactor Netty close the connection.
    return out.sendObject(Flux.from(outbound).map(NettyFrames::toNetty)).then();
  }

  private void onError(Throwable error) {
    if (state.get() == ESTABLISHED) {
      connection.failed(error);
      return;
    }
    fail(translate(error));
  }

  private void onEnd() {
    if (state.get() == PENDING) {
      fail(
          new IOException(
              "connection to " + uri + " ended before the WebSocket handshake completed"));
    }
  }

  private void fail(Throwable error) {
    if (state.compareAndSet(PENDING, FAILED)) {
      release();
      sink.error(error);
    }
  }

  private void cancel() {
    if (state.compareAndSet(PENDING, CANCELLED)) {
      release();
    }
  }

  private void release() {
    stopTimer();
    Channel open = channel;
    if (open != null) {
      open.close();
    }
    Disposable running = exchange;
    if (running != null) {
      running.dispose();
    }
  }

  private void stopTimer() {
    Future<?> timer = handshakeTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private Throwable translate(Throwable error) {
    if (error instanceof WebSocketClientHandshakeException handshake) {
      HttpResponse response = handshake.response();
      if (response != null) {
        HandshakeException translated =
            new HandshakeException(
                uri.toString(), response.status().code(), response.status().reasonPhrase());
        translated.initCause(error);
        return translated;
      }
      return new IOException(
          "WebSocket handshake with " + uri + " failed: " + error.getMessage(), error);
    }
    return error;
  }
}
