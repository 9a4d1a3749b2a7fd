package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.HandshakeException;
import dev.lifeline.HandshakeTimeoutException;
import dev.lifeline.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.context.Context;

/**
 * One connection attempt of a {@link WebSocketTransport}: connects, runs Lifeline's own handshake
 * timer from the moment the TCP (and TLS) connection stands, and hands the established connection
 * to its subscriber — or exactly one error, or nothing when cancelled. Whatever ends the attempt
 * first (handshake, failure, timeout, cancellation) wins; the others find the state taken and only
 * clean up.
 *
 * <p>The attempt is at once the subscription of the {@code Mono} returned by {@link
 * WebSocketTransport#connect(Publisher)} and the subscriber of Reactor Netty's exchange, since both
 * live as long as the connection: one object per connection instead of a {@code Mono.create} sink,
 * a discard hook and a lambda subscriber.
 *
 * <p><b>One guard</b> (OkHttp's way): the fields below are plain and read or written only while
 * holding this object's monitor. Its inputs (subscription, request, cancel, the TCP connection, the
 * handshake, its timer, the exchange's end) come from the supervisor's and the event loop's
 * threads, a handful per connection, so the lock is uncontended in practice; every call out (to the
 * supervisor, the channel, the timer) happens after the lock is released.
 */
final class WebSocketAttempt implements Subscription, CoreSubscriber<Void> {

  private enum State {
    PENDING,
    ESTABLISHED,
    FAILED,
    CANCELLED
  }

  private final WebSocketTransport transport;
  private final Publisher<Frame> outbound;
  private final URI uri;
  private final CoreSubscriber<? super Transport.Connection> actual;
  private final WebsocketClientSpec spec;

  /** Reads the selected subprotocol when Lifeline offered its own; null otherwise. */
  private final SubprotocolReader subprotocols;

  // guarded by this
  private State state = State.PENDING;
  private boolean requested;
  private boolean handed;
  private Subscription exchange;
  private Channel channel;
  private Future<?> handshakeTimer;
  private WebSocketConnection connection;

  private WebSocketAttempt(
      WebSocketTransport transport,
      Publisher<Frame> outbound,
      CoreSubscriber<? super Transport.Connection> actual,
      WebsocketClientSpec spec,
      SubprotocolReader subprotocols) {
    this.spec = spec;
    this.subprotocols = subprotocols;
    this.transport = transport;
    this.outbound = outbound;
    this.uri = transport.uri();
    this.actual = actual;
  }

  /** A {@code Mono} that runs a new attempt for each subscriber. */
  static Mono<Transport.Connection> connect(
      WebSocketTransport transport,
      Publisher<Frame> outbound,
      WebsocketClientSpec spec,
      java.util.List<String> optionalSubprotocols) {
    return new Mono<>() {
      @Override
      public void subscribe(CoreSubscriber<? super Transport.Connection> actual) {
        new WebSocketAttempt(
                transport,
                outbound,
                actual,
                spec,
                optionalSubprotocols.isEmpty()
                    ? null
                    : new SubprotocolReader(
                        optionalSubprotocols, !transport.ownSubprotocols().isEmpty()))
            .start();
      }
    };
  }

  private void start() {
    actual.onSubscribe(this);
    synchronized (this) {
      if (state != State.PENDING) {
        return;
      }
    }
    try {
      transport
          .httpClient()
          .doOnConnected(connected -> onConnected(connected.channel()))
          .websocket(spec)
          .uri(uri)
          .handle(this::onHandshake)
          .subscribe(this);
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  // ---- the subscription: the supervisor's side -----------------------------------------------

  @Override
  public void request(long n) {
    WebSocketConnection deliver = null;
    synchronized (this) {
      if (n <= 0 || requested) {
        return;
      }
      requested = true;
      if (state == State.ESTABLISHED && !handed) {
        handed = true;
        deliver = connection;
      }
    }
    if (deliver != null) {
      deliver(deliver);
    }
  }

  @Override
  public void cancel() {
    WebSocketConnection discard = null;
    synchronized (this) {
      if (state == State.ESTABLISHED && !handed) {
        // cancelled at the instant the handshake completed, before the connection could be
        // emitted: close it rather than leak an open channel
        handed = true;
        discard = connection;
      } else if (state == State.PENDING) {
        state = State.CANCELLED;
      } else {
        return;
      }
    }
    if (discard != null) {
      discard.dispose();
    } else {
      release();
    }
  }

  // ---- the subscriber: Reactor Netty's exchange ----------------------------------------------

  /**
   * No context: the exchange is internal to the transport, and Reactor Netty's own discards must
   * not reach the supervisor's hooks.
   */
  @Override
  public Context currentContext() {
    return Context.empty();
  }

  @Override
  public void onSubscribe(Subscription s) {
    boolean pending;
    synchronized (this) {
      pending = state == State.PENDING;
      if (pending) {
        exchange = s;
      }
    }
    if (pending) {
      s.request(Long.MAX_VALUE);
    } else {
      // cancelled or failed while subscribing
      s.cancel();
    }
  }

  @Override
  public void onNext(Void nothing) {}

  @Override
  public void onError(Throwable error) {
    WebSocketConnection established;
    synchronized (this) {
      established = state == State.ESTABLISHED ? connection : null;
    }
    if (established != null) {
      established.failed(error);
      return;
    }
    fail(translate(error));
  }

  @Override
  public void onComplete() {
    boolean pending;
    synchronized (this) {
      pending = state == State.PENDING;
    }
    if (pending) {
      fail(
          new IOException(
              "connection to " + uri + " ended before the WebSocket handshake completed"));
    }
  }

  // ---- the attempt -------------------------------------------------------------------------

  private void onConnected(Channel connected) {
    Duration timeout = transport.handshakeTimeout();
    synchronized (this) {
      if (state == State.PENDING) {
        channel = connected;
        if (subprotocols != null
            && connected.pipeline().get(reactor.netty.NettyPipeline.HttpCodec) != null) {
          connected
              .pipeline()
              .addAfter(
                  reactor.netty.NettyPipeline.HttpCodec, SubprotocolReader.NAME, subprotocols);
        }
        handshakeTimer =
            connected
                .eventLoop()
                .schedule(
                    () -> fail(new HandshakeTimeoutException(uri.toString(), timeout)),
                    timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
        return;
      }
    }
    connected.close();
  }

  private Publisher<Void> onHandshake(WebsocketInbound in, WebsocketOutbound out) {
    stopTimer();
    WebSocketConnection established =
        new WebSocketConnection(
            uri,
            in,
            out,
            transport.maxFramePayloadLength(),
            subprotocols == null ? null : subprotocols.selected());
    boolean deliver;
    synchronized (this) {
      if (state != State.PENDING) {
        deliver = false;
        established = null;
      } else {
        state = State.ESTABLISHED;
        // settled: what only a pending attempt needs can go, the attempt lives as long as the
        // channel
        channel = null;
        exchange = null;
        connection = established;
        deliver = requested;
        handed = requested;
      }
    }
    if (established == null) {
      return Mono.empty();
    }
    if (deliver) {
      deliver(established);
    }
    // Never completes while the connection lives (outbound never completes): a completed
    // handler would make Reactor Netty close the connection.
    return out.sendObject(Flux.from(outbound).map(established::encode)).then();
  }

  private void deliver(WebSocketConnection established) {
    actual.onNext(established);
    actual.onComplete();
  }

  private void fail(Throwable error) {
    synchronized (this) {
      if (state != State.PENDING) {
        return;
      }
      state = State.FAILED;
    }
    release();
    actual.onError(error);
  }

  /** Once the attempt failed or was cancelled: lets go of its timer, channel and exchange. */
  private void release() {
    Future<?> timer;
    Channel open;
    Subscription running;
    synchronized (this) {
      timer = handshakeTimer;
      open = channel;
      running = exchange;
      handshakeTimer = null;
      channel = null;
      exchange = null;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    if (open != null) {
      open.close();
    }
    if (running != null) {
      running.cancel();
    }
  }

  private void stopTimer() {
    Future<?> timer;
    synchronized (this) {
      timer = handshakeTimer;
      handshakeTimer = null;
    }
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private Throwable translate(Throwable error) {
    if (error instanceof WebSocketClientHandshakeException handshake) {
      HttpResponse response = handshake.response();
      if (response != null && response.status().code() == 101) {
        String detail = String.valueOf(handshake.getMessage());
        return withCause(
            new HandshakeException(
                uri.toString(),
                detail.toLowerCase(Locale.ROOT).contains("subprotocol")
                    ? "not with a subprotocol this client asked for ("
                        + detail
                        + "); check WebSocketTransport.subprotocols(..) against what the server"
                        + " supports"
                    : "its answer is not a valid WebSocket upgrade (" + detail + ")"),
            error);
      }
      if (response != null) {
        return withCause(
            new HandshakeException(
                uri.toString(), response.status().code(), response.status().reasonPhrase()),
            error);
      }
      return new IOException(
          "WebSocket handshake with " + uri + " failed: " + error.getMessage(), error);
    }
    if (error instanceof ConnectTimeoutException) {
      return withCause(
          new ConnectTimeoutException(
              "could not connect to "
                  + uri
                  + ": "
                  + address()
                  + " did not answer within the connect timeout of "
                  + transport.connectTimeout().toMillis()
                  + " ms (host down, or a firewall dropping packets?); raise it with"
                  + " WebSocketTransport.connectTimeout(..) if the network is just slow"),
          error);
    }
    if (error instanceof ConnectException) {
      String message = String.valueOf(error.getMessage());
      return withCause(
          new ConnectException(
              message.contains("Connection refused")
                  ? "could not connect to "
                      + uri
                      + ": connection refused by "
                      + address()
                      + " (nothing listens there: is the server running, and are the host and"
                      + " port right?)"
                  : "could not connect to " + uri + ": " + message),
          error);
    }
    if (error instanceof UnknownHostException) {
      return withCause(
          new UnknownHostException(
              "could not connect to "
                  + uri
                  + ": the host name "
                  + uri.getHost()
                  + " does not resolve ("
                  + error.getMessage()
                  + "); check its spelling and this machine's DNS"),
          error);
    }
    Throwable untrusted = untrustedCertificate(error);
    if (untrusted != null) {
      return new TlsHandshakeException(
          "TLS handshake with "
              + uri
              + " failed: the server's certificate is not trusted ("
              + untrusted.getMessage()
              + "); if it is self-signed or signed by a private authority, pass an SslContext that"
              + " trusts it with WebSocketTransport.sslContext(..)",
          error);
    }
    return error;
  }

  private String address() {
    int port = uri.getPort();
    return uri.getHost() + ":" + (port != -1 ? port : transport.isSecure() ? 443 : 80);
  }

  private static <T extends Throwable> T withCause(T translated, Throwable cause) {
    translated.initCause(cause);
    return translated;
  }

  /** The certificate failure in {@code error}'s causes if it is a failed TLS handshake, or null. */
  private static Throwable untrustedCertificate(Throwable error) {
    boolean tls = false;
    for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
      tls |= t instanceof SSLException;
      if (tls
          && (t instanceof CertificateException
              || t instanceof CertPathValidatorException
              || t instanceof CertPathBuilderException
              || t instanceof SSLPeerUnverifiedException)) {
        return t;
      }
    }
    return null;
  }
}
