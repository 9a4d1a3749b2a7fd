package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Transport;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.resources.ConnectionProvider;

/**
 * The WebSocket client {@link Transport} on Reactor Netty's {@code HttpClient}: each {@link
 * #connect(Publisher)} opens one {@code ws://} or {@code wss://} connection.
 *
 * <p>Immutable and thread-safe; every setter returns a copy. Defaults: no extra headers, no
 * subprotocol, 65536-byte frames, no compression, 10 s to connect and 10 s more for the upgrade,
 * and for {@code wss://} the JDK's trusted certificates with host name verification.
 *
 * <pre>{@code
 * SupervisedConnection ws = Supervisor.create(
 *         WebSocketTransport.create("wss://example.com/feed")
 *             .headers(h -> h.set("Authorization", "Bearer " + tokens.current())))
 *     .connection();
 * }</pre>
 *
 * <h2>How an attempt ends</h2>
 *
 * <ul>
 *   <li>Refused or unreachable: Netty's {@link java.net.ConnectException}, naming the address;
 *       retryable.
 *   <li>No TCP connection within the {@linkplain #connectTimeout(Duration) connect timeout}: {@link
 *       io.netty.channel.ConnectTimeoutException}; retryable.
 *   <li>Connected, but no answer to the upgrade within the {@linkplain #handshakeTimeout(Duration)
 *       handshake timeout}: {@link dev.lifeline.HandshakeTimeoutException}; retryable. Reactor
 *       Netty itself would wait forever.
 *   <li>Answered with a status other than 101: {@link dev.lifeline.HandshakeException}; retryable
 *       for 5xx, 408 and 429 only (C7).
 *   <li>{@code wss://} to a server whose certificate is not trusted: {@link TlsHandshakeException}
 *       with the JDK's failure as cause; not retryable.
 * </ul>
 *
 * <p>Once connected, the {@linkplain Transport.Connection#inbound() inbound} frames are the peer's
 * text, binary and pong frames, fragmented messages joined into one frame; the peer's pings are
 * answered by Netty and not shown. When the peer closes with a status the inbound stream emits that
 * {@link Frame.Close} and completes; when the connection just ends (TCP FIN, or a close frame
 * without status) it completes, which the supervisor treats as 1006 abnormal closure and reconnects
 * after (C4). A frame or message over the {@linkplain #maxFramePayloadLength(int) limit} closes the
 * connection with status 1009 and ends the inbound stream with a {@link
 * dev.lifeline.ProtocolViolationException}, which ends supervision (C7); other protocol violations
 * the same way with their status (1002, 1007).
 *
 * <p>Every connection gets its own channel outside any pool ({@link
 * ConnectionProvider#newConnection()}): a WebSocket holds its channel for its whole life and must
 * not be capped or queued by a pool's limit per host. Netty buffers never leave the transport: each
 * received buffer is copied into a {@link Frame} and released at once.
 *
 * @since 0.1.0
 */
public final class WebSocketTransport implements Transport {

  /** The default largest frame payload accepted from the peer: 65536 bytes. */
  public static final int DEFAULT_MAX_FRAME_PAYLOAD_LENGTH = 65536;

  /**
   * The default time allowed to open the TCP connection: 10 seconds.
   *
   * @since 0.1.0
   */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The default time allowed for the upgrade's answer once connected: 10 seconds.
   *
   * @since 0.1.0
   */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private static final Consumer<HttpHeaders> NO_HEADERS = headers -> {};

  private final URI uri;
  private final Consumer<? super HttpHeaders> headers;
  private final List<String> subprotocols;
  private final int maxFramePayloadLength;
  private final boolean compress;
  private final Duration connectTimeout;
  private final Duration handshakeTimeout;
  private final SslContext sslContext;
  private final WebsocketClientSpec websocketSpec;

  /**
   * Built on the first attempt and shared by all of them, so that a connection does not carry its
   * own copy of the options, headers and connection provider; each attempt adds only its own
   * callbacks. A race builds it twice, harmlessly: both are equal.
   */
  private volatile HttpClient httpClient;

  private WebSocketTransport(
      URI uri,
      Consumer<? super HttpHeaders> headers,
      List<String> subprotocols,
      int maxFramePayloadLength,
      boolean compress,
      Duration connectTimeout,
      Duration handshakeTimeout,
      SslContext sslContext) {
    this.uri = uri;
    this.headers = headers;
    this.subprotocols = subprotocols;
    this.maxFramePayloadLength = maxFramePayloadLength;
    this.compress = compress;
    this.connectTimeout = connectTimeout;
    this.handshakeTimeout = handshakeTimeout;
    this.sslContext = sslContext;
    this.websocketSpec = websocketSpec(subprotocols, maxFramePayloadLength, compress);
  }

  /**
   * A transport to {@code uri}, with the defaults.
   *
   * @throws IllegalArgumentException if {@code uri} is not a valid {@code ws://} or {@code wss://}
   *     URI with a host
   * @since 0.1.0
   */
  public static WebSocketTransport create(String uri) {
    Objects.requireNonNull(uri, "uri");
    try {
      return create(new URI(uri.strip()));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "invalid WebSocket URI \""
              + uri
              + "\": "
              + e.getMessage()
              + "; expected ws://host[:port]/path or wss://host[:port]/path",
          e);
    }
  }

  /**
   * A transport to {@code uri}, with the defaults.
   *
   * @throws IllegalArgumentException if {@code uri} is not a {@code ws://} or {@code wss://} URI
   *     with a host, or has a fragment (RFC 6455 forbids one)
   * @since 0.1.0
   */
  public static WebSocketTransport create(URI uri) {
    return new WebSocketTransport(
        validate(Objects.requireNonNull(uri, "uri")),
        NO_HEADERS,
        List.of(),
        DEFAULT_MAX_FRAME_PAYLOAD_LENGTH,
        false,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_HANDSHAKE_TIMEOUT,
        null);
  }

  /**
   * A copy that lets {@code headers} add headers to the upgrade request. It is called again at
   * every connection attempt, once the TCP (and TLS) connection stands and just before the upgrade
   * request is written, so a header computed from changing state (a refreshed token) reaches the
   * next reconnect. It runs on the connection's event loop and must not block; if it throws, the
   * attempt fails with its exception. Defaults to no extra header.
   *
   * @since 0.1.0
   */
  public WebSocketTransport headers(Consumer<? super HttpHeaders> headers) {
    return new WebSocketTransport(
        uri,
        Objects.requireNonNull(headers, "headers"),
        subprotocols,
        maxFramePayloadLength,
        compress,
        connectTimeout,
        handshakeTimeout,
        sslContext);
  }

  /**
   * A copy that offers {@code protocols} as WebSocket subprotocols, in order of preference.
   * Defaults to none.
   *
   * @throws IllegalArgumentException if a protocol is empty or contains a comma or white space
   * @since 0.1.0
   */
  public WebSocketTransport subprotocols(String... protocols) {
    List<String> list = List.of(protocols);
    for (String protocol : list) {
      if (protocol.isEmpty() || protocol.chars().anyMatch(c -> c == ',' || c <= ' ')) {
        throw new IllegalArgumentException(
            "subprotocol \""
                + protocol
                + "\" must be a non-empty token without commas or white space");
      }
    }
    return new WebSocketTransport(
        uri,
        headers,
        list,
        maxFramePayloadLength,
        compress,
        connectTimeout,
        handshakeTimeout,
        sslContext);
  }

  /**
   * A copy that accepts frames, and messages joined from fragments, of at most {@code bytes} of
   * payload from the peer; a larger one ends the connection with status 1009 and supervision with a
   * {@link dev.lifeline.ProtocolViolationException}. With compression the limit applies to the
   * compressed frame. Defaults to {@value #DEFAULT_MAX_FRAME_PAYLOAD_LENGTH}.
   *
   * @throws IllegalArgumentException if {@code bytes} is below 125 (a control frame's payload)
   * @since 0.1.0
   */
  public WebSocketTransport maxFramePayloadLength(int bytes) {
    if (bytes < 125) {
      throw new IllegalArgumentException(
          "max frame payload length must be at least 125 bytes (a control frame's payload), was "
              + bytes);
    }
    return new WebSocketTransport(
        uri, headers, subprotocols, bytes, compress, connectTimeout, handshakeTimeout, sslContext);
  }

  /**
   * A copy that offers the permessage-deflate extension (RFC 7692), used if the server accepts it.
   * Defaults to {@code false}.
   *
   * @since 0.1.0
   */
  public WebSocketTransport compress(boolean enabled) {
    return new WebSocketTransport(
        uri,
        headers,
        subprotocols,
        maxFramePayloadLength,
        enabled,
        connectTimeout,
        handshakeTimeout,
        sslContext);
  }

  /**
   * A copy that allows {@code timeout} to open the TCP connection; longer fails the attempt with
   * {@link io.netty.channel.ConnectTimeoutException}, which is retryable. Defaults to 10 s.
   *
   * @throws IllegalArgumentException if {@code timeout} is not positive or over {@code
   *     Integer.MAX_VALUE} ms
   * @since 0.1.0
   */
  public WebSocketTransport connectTimeout(Duration timeout) {
    return new WebSocketTransport(
        uri,
        headers,
        subprotocols,
        maxFramePayloadLength,
        compress,
        positive(timeout, "connect timeout"),
        handshakeTimeout,
        sslContext);
  }

  /**
   * A copy that allows {@code timeout} from the established TCP (and TLS) connection to the
   * server's answer to the upgrade; longer closes the connection and fails the attempt with {@link
   * dev.lifeline.HandshakeTimeoutException}, which is retryable. Without it a server that accepts
   * connections but never answers would hang every attempt forever. Defaults to 10 s.
   *
   * @throws IllegalArgumentException if {@code timeout} is not positive
   * @since 0.1.0
   */
  public WebSocketTransport handshakeTimeout(Duration timeout) {
    return new WebSocketTransport(
        uri,
        headers,
        subprotocols,
        maxFramePayloadLength,
        compress,
        connectTimeout,
        positive(timeout, "handshake timeout"),
        sslContext);
  }

  /**
   * A copy that uses {@code context} for {@code wss://} connections, for instance to trust a
   * private certificate authority or to present a client certificate. It must be a client context.
   * Defaults to Reactor Netty's default client context: the JDK's trusted certificates, with host
   * name verification. Ignored for {@code ws://}.
   *
   * @since 0.1.0
   */
  public WebSocketTransport sslContext(SslContext context) {
    Objects.requireNonNull(context, "context");
    if (!context.isClient()) {
      throw new IllegalArgumentException(
          "the SslContext is a server context; build one with SslContextBuilder.forClient()");
    }
    return new WebSocketTransport(
        uri,
        headers,
        subprotocols,
        maxFramePayloadLength,
        compress,
        connectTimeout,
        handshakeTimeout,
        context);
  }

  /**
   * The address this transport connects to.
   *
   * @since 0.1.0
   */
  public URI uri() {
    return uri;
  }

  /**
   * Opens one connection per subscription; see {@link Transport#connect(Publisher)} and this
   * class's description of how an attempt ends.
   *
   * @since 0.1.0
   */
  @Override
  public Mono<Connection> connect(Publisher<Frame> outbound) {
    Objects.requireNonNull(outbound, "outbound");
    return WebSocketAttempt.connect(this, outbound, websocketSpec, List.of());
  }

  /**
   * As {@link #connect(Publisher)}, offering {@code offered} as well as this transport's own
   * {@linkplain #subprotocols(String...) subprotocols}; the connection's {@link
   * Connection#subprotocol()} is the one the server selected. Without subprotocols of its own it
   * offers {@code offered}. With them, since a handshake selects only one, it offers each of {@code
   * offered} joined by {@code '+'} to each of its own, then its own alone: {@code
   * lifeline.resume.v1+chat.v2, chat.v2}; a server that knows the joined form selects it, any other
   * selects one of the application's own as before.
   *
   * @since 0.2.0
   */
  @Override
  public Mono<Connection> connect(Publisher<Frame> outbound, List<String> offered) {
    Objects.requireNonNull(outbound, "outbound");
    if (offered.isEmpty()) {
      return connect(outbound);
    }
    List<String> all = new java.util.ArrayList<>();
    if (subprotocols.isEmpty()) {
      all.addAll(offered);
    } else {
      for (String optional : offered) {
        for (String own : subprotocols) {
          all.add(optional + "+" + own);
        }
      }
      all.addAll(subprotocols);
    }
    return WebSocketAttempt.connect(
        this, outbound, websocketSpec(all, maxFramePayloadLength, compress), offered);
  }

  /**
   * Host, port if given, and path of the URI ({@code example.com/feed}, {@code 127.0.0.1:8080/ws}):
   * never its credentials or query string.
   */
  @Override
  public String name() {
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + path;
  }

  @Override
  public String toString() {
    return "WebSocketTransport[" + uri + "]";
  }

  /** The client every attempt starts from; see {@link #httpClient}. */
  HttpClient httpClient() {
    HttpClient client = httpClient;
    if (client == null) {
      client = newHttpClient();
      httpClient = client;
    }
    return client;
  }

  private HttpClient newHttpClient() {
    HttpClient client =
        HttpClient.create(ConnectionProvider.newConnection())
            // Reactor Netty would silently open a second connection when the first closes before
            // the upgrade: one attempt must be one connection, retries are the supervisor's (C4)
            .disableRetry(true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
    if (headers != NO_HEADERS) {
      // on the request itself rather than with HttpClient.headers(..), which would copy the
      // configuration, and keep the copy for the connection's life, at every attempt; Reactor
      // Netty builds the upgrade request from these headers right after this callback
      Consumer<? super HttpHeaders> perAttempt = headers;
      client =
          client.doOnRequest((request, connection) -> perAttempt.accept(request.requestHeaders()));
    }
    if (isSecure()) {
      client =
          sslContext == null ? client.secure() : client.secure(ssl -> ssl.sslContext(sslContext));
    }
    return client;
  }

  private static WebsocketClientSpec websocketSpec(
      List<String> subprotocols, int maxFramePayloadLength, boolean compress) {
    WebsocketClientSpec.Builder spec =
        WebsocketClientSpec.builder()
            .maxFramePayloadLength(maxFramePayloadLength)
            .compress(compress)
            // false: Netty answers the peer's pings itself, at once, on the event loop
            .handlePing(false);
    if (!subprotocols.isEmpty()) {
      spec = spec.protocols(String.join(",", subprotocols));
    }
    return spec.build();
  }

  /** The subprotocols the application configured on this transport. */
  List<String> ownSubprotocols() {
    return subprotocols;
  }

  int maxFramePayloadLength() {
    return maxFramePayloadLength;
  }

  Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  Duration connectTimeout() {
    return connectTimeout;
  }

  boolean isSecure() {
    return "wss".equalsIgnoreCase(uri.getScheme());
  }

  private static URI validate(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new IllegalArgumentException(
          "invalid WebSocket URI \""
              + uri
              + "\": the scheme must be ws or wss, was "
              + (scheme.isEmpty() ? "missing" : "\"" + uri.getScheme() + "\"")
              + "; expected ws://host[:port]/path or wss://host[:port]/path");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException(
          "invalid WebSocket URI \""
              + uri
              + "\": no host; expected "
              + scheme
              + "://host[:port]/path");
    }
    if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
      throw new IllegalArgumentException(
          "invalid WebSocket URI \""
              + uri
              + "\": port "
              + uri.getPort()
              + " is out of range; a port is 1 to 65535, or omitted for "
              + (scheme.equals("wss") ? "443" : "80"));
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "invalid WebSocket URI \"" + uri + "\": RFC 6455 forbids a fragment (#...); remove it");
    }
    return uri;
  }

  private static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
    if (value.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          name + " must be at most " + Integer.MAX_VALUE + " ms, was " + value);
    }
    return value;
  }

  /**
   * Reactor Netty's client event loops ({@code HttpResources}), which this transport's connections
   * run on, with affinity: a timer scheduled from one of those loops runs on that loop, so a
   * connection's heartbeats are written from its own channel's loop, without a hop from another
   * thread, and timers do not drift into bursts at tens of thousands of connections. Timer tasks
   * are short and never block. Shared by every transport; never disposed by Lifeline.
   *
   * @since 0.1.0
   */
  @Override
  public Scheduler timerScheduler() {
    return EventLoopTimers.get();
  }
}
