package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.HandshakeException;
import dev.lifeline.HandshakeTimeoutException;
import dev.lifeline.Heartbeat;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.ReconnectsExhaustedException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.Transport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/** The client transport against real sockets on loopback. */
class WebSocketTransportTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  /**
   * A TCP server that accepts and never answers the upgrade, reporting "accepted" and "closed" for
   * each connection to {@code serverSide}; disposed after the test.
   */
  private DisposableServer silentServer(Sinks.Many<String> serverSide) {
    DisposableServer silent =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .doOnConnection(
                c -> {
                  serverSide.tryEmitNext("accepted");
                  c.onDispose(() -> serverSide.tryEmitNext("closed"));
                })
            .handle((in, out) -> in.receive().then(Mono.never()))
            .bindNow(WAIT);
    resources.add(() -> silent.disposeNow(WAIT));
    return silent;
  }

  private SupervisedConnection supervise(Supervisor supervisor) {
    SupervisedConnection ws = supervisor.connection();
    resources.add(() -> ws.close().block(WAIT));
    return ws;
  }

  private static Flux<ConnectionEvent> recorded(SupervisedConnection ws) {
    Flux<ConnectionEvent> events = ws.events().replay().autoConnect(0);
    return events;
  }

  @Test
  void echoRoundTripThroughSupervisedConnection() {
    TestServer server = closeLater(TestServer.echo(ServerSupervisor.builder().build()));
    SupervisedConnection ws =
        supervise(Supervisor.create(WebSocketTransport.create(server.uri("/ws"))));

    StepVerifier.create(ws.inbound())
        .then(() -> ws.send(Frame.text("héllo")).subscribe())
        .expectNext(Frame.text("héllo"))
        .then(() -> ws.send(Frame.binary(new byte[] {1, 2, 3})).subscribe())
        .expectNext(Frame.binary(new byte[] {1, 2, 3}))
        .then(
            () -> {
              // payload bytes, UTF-8 for text: 6 + 3 each way, counted before the echo arrived
              assertThat(ws.bytesSent()).isEqualTo(9);
              assertThat(ws.bytesReceived()).isEqualTo(9);
            })
        .then(() -> ws.close().subscribe())
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void rfcHeartbeatIsAnsweredByOurServer() {
    TestServer server = closeLater(TestServer.echo(ServerSupervisor.builder().build()));
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
                .heartbeat(Heartbeat.ping().interval(Duration.ofMillis(200))));
    Flux<ConnectionEvent> events = recorded(ws);
    ws.inbound().subscribe();

    List<ConnectionEvent.HeartbeatAnswered> answered =
        events.ofType(ConnectionEvent.HeartbeatAnswered.class).take(2).collectList().block(WAIT);

    assertThat(answered).extracting(ConnectionEvent.HeartbeatAnswered::sequence).contains(1L);
    assertThat(answered).allSatisfy(a -> assertThat(a.roundTrip()).isPositive());
  }

  @Test
  void textHeartbeatIsAnsweredByOurServerAndNeverReachesEitherApplication() {
    List<String> serverSaw = new CopyOnWriteArrayList<>();
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    TestServer server =
        closeLater(
            TestServer.start(
                0,
                routes ->
                    routes.ws(
                        "/ws",
                        supervisor.handler(
                            c ->
                                c.send(
                                    c.inbound()
                                        .doOnNext(f -> serverSaw.add(((Frame.Text) f).text())))))));
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
                .heartbeat(Heartbeat.text("heart_beat", "ok").interval(Duration.ofMillis(200))));
    Flux<ConnectionEvent> events = recorded(ws);
    Flux<Frame> inbound = ws.inbound().replay().autoConnect(0);

    events.ofType(ConnectionEvent.HeartbeatAnswered.class).take(2).blockLast(WAIT);
    ws.send(Frame.text("data")).block(WAIT);

    // the first frame the application sees is the echo of its own data: no "ok", no "heart_beat"
    assertThat(inbound.next().block(WAIT)).isEqualTo(Frame.text("data"));
    assertThat(serverSaw).containsExactly("data");
  }

  @Test
  void serverThatNeverAnswersHeartbeatsIsDeclaredDeadAndReconnected() {
    AtomicInteger accepted = new AtomicInteger();
    // reads everything, answers nothing (the text heartbeat is not RFC, so Netty stays silent)
    TestServer server =
        closeLater(
            TestServer.start(
                0,
                routes ->
                    routes.ws(
                        "/ws",
                        (in, out) -> {
                          accepted.incrementAndGet();
                          return in.receive().then(Mono.never());
                        })));
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create(server.uri("/ws")))
                .heartbeat(
                    Heartbeat.text("heart_beat", "ok")
                        .interval(Duration.ofMillis(200))
                        .timeout(Duration.ofMillis(300)))
                .retry(Retry.fixedDelay(5, Duration.ofMillis(100))));
    Flux<ConnectionEvent> events = recorded(ws);
    ws.inbound().subscribe();

    ConnectionEvent.PeerDead dead =
        events.ofType(ConnectionEvent.PeerDead.class).next().block(WAIT);
    ConnectionEvent.Connected again =
        events.ofType(ConnectionEvent.Connected.class).skip(1).next().block(WAIT);

    assertThat(dead.sequence()).isEqualTo(1);
    assertThat(again.attempt()).isEqualTo(1);
    await(() -> accepted.get() >= 2);
  }

  @Test
  void serverRestartedOnSamePortIsReconnectedAndQueuedFramesArriveInOrder() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    TestServer first = TestServer.echo(supervisor);
    int port = first.port();
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create(first.uri("/ws")))
                .retry(Retry.fixedDelay(100, Duration.ofMillis(100))));
    Flux<ConnectionEvent> events = recorded(ws);
    Flux<Frame> inbound = ws.inbound().replay().autoConnect(0);
    ws.send(Frame.text("before")).block(WAIT);
    assertThat(inbound.next().block(WAIT)).isEqualTo(Frame.text("before"));

    // server goes away
    first.close();
    events.ofType(ConnectionEvent.Disconnected.class).next().block(WAIT);
    Disposable queued =
        Flux.concat(ws.send(Frame.text("queued 1")), ws.send(Frame.text("queued 2"))).subscribe();

    // server comes back on the same port
    closeLater(
        TestServer.start(
            port, routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound())))));

    assertThat(inbound.skip(1).take(2).collectList().block(WAIT))
        .containsExactly(Frame.text("queued 1"), Frame.text("queued 2"));
    // both connections' payload bytes, summed: 6 + 8 + 8 each way
    assertThat(ws.bytesSent()).isEqualTo(22);
    assertThat(ws.bytesReceived()).isEqualTo(22);
    assertThat(events.ofType(ConnectionEvent.Connected.class).take(2).blockLast(WAIT).attempt())
        .isPositive();
    queued.dispose();
  }

  @Test
  void handshake404EndsSupervisionAfterOneAttemptWithClearError() {
    TestServer server = closeLater(TestServer.echo(ServerSupervisor.builder().build()));
    String uri = server.uri("/nowhere");
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create(uri))
                .retry(Retry.fixedDelay(3, Duration.ofMillis(100))));
    Flux<ConnectionEvent> events = recorded(ws);

    StepVerifier.create(ws.inbound())
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(HandshakeException.class)
                    .hasMessage(
                        "WebSocket handshake with "
                            + uri
                            + " failed: server answered HTTP 404 Not Found instead of 101"
                            + " Switching Protocols; check the URI's path"))
        .verify(WAIT);
    assertThat(events.ofType(ConnectionEvent.Connecting.class).collectList().block(WAIT))
        .hasSize(1);
  }

  @Test
  void hostThatDoesNotResolveFailsWithAMessageNamingTheHost() {
    // .invalid never resolves (RFC 2606)
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create("ws://no-such-host.invalid/ws"))
                .retry(Retry.max(0)));

    StepVerifier.create(ws.inbound())
        .expectErrorSatisfies(
            e ->
                assertThat(e.getCause())
                    .isInstanceOf(java.net.UnknownHostException.class)
                    .hasMessageStartingWith(
                        "could not connect to ws://no-such-host.invalid/ws: the host name"
                            + " no-such-host.invalid does not resolve (")
                    .hasMessageEndingWith("); check its spelling and this machine's DNS"))
        .verify(WAIT);
  }

  @Test
  void refusedPortIsRetriedThenExhausted() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create("ws://127.0.0.1:" + port + "/ws"))
                .retry(Retry.fixedDelay(3, Duration.ofMillis(100))));
    Flux<ConnectionEvent> events = recorded(ws);

    StepVerifier.create(ws.inbound())
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(ReconnectsExhaustedException.class);
              assertThat(((ReconnectsExhaustedException) e).attempts()).isEqualTo(3);
              assertThat(e.getCause())
                  .isInstanceOf(ConnectException.class)
                  .hasMessage(
                      "could not connect to ws://127.0.0.1:"
                          + port
                          + "/ws: connection refused by 127.0.0.1:"
                          + port
                          + " (nothing listens there: is the server running, and are the host"
                          + " and port right?)");
              assertThat(e).hasMessageStartingWith("gave up after 3 reconnect attempts");
            })
        .verify(WAIT);
    assertThat(events.ofType(ConnectionEvent.Connecting.class).collectList().block(WAIT))
        .hasSize(4);
  }

  @Test
  void frameOverTheLimitEndsSupervisionWithStatus1009() {
    String big = "x".repeat(2000);
    TestServer server =
        closeLater(
            TestServer.start(
                0,
                routes ->
                    routes.ws(
                        "/ws",
                        (in, out) -> out.sendString(Mono.just(big)).then().then(Mono.never()))));
    SupervisedConnection ws =
        supervise(
            Supervisor.create(
                    WebSocketTransport.create(server.uri("/ws")).maxFramePayloadLength(1024))
                .retry(Retry.fixedDelay(3, Duration.ofMillis(100))));
    Flux<ConnectionEvent> events = recorded(ws);

    StepVerifier.create(ws.inbound())
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(ProtocolViolationException.class);
              assertThat(((ProtocolViolationException) e).code()).isEqualTo(1009);
              assertThat(e)
                  .hasMessageContaining("exceeds the maximum payload length of 1024 bytes")
                  .hasMessageContaining("maxFramePayloadLength");
            })
        .verify(WAIT);
    assertThat(Supervisor.DEFAULT_RETRYABLE.test(new ProtocolViolationException(1009, "", null)))
        .isFalse();
    assertThat(events.ofType(ConnectionEvent.Connecting.class).collectList().block(WAIT))
        .hasSize(1);
  }

  @Test
  void serverThatNeverAnswersTheUpgradeTimesOutAndIsRetried() {
    AtomicInteger accepted = new AtomicInteger();
    // reads the upgrade request and never writes a byte
    DisposableServer silent =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .doOnConnection(c -> accepted.incrementAndGet())
            .handle((in, out) -> in.receive().then(Mono.never()))
            .bindNow(WAIT);
    resources.add(() -> silent.disposeNow(WAIT));
    String uri = "ws://127.0.0.1:" + silent.port() + "/ws";
    SupervisedConnection ws =
        supervise(
            Supervisor.create(
                    WebSocketTransport.create(uri).handshakeTimeout(Duration.ofMillis(300)))
                .retry(Retry.fixedDelay(2, Duration.ofMillis(100))));

    StepVerifier.create(ws.inbound())
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(ReconnectsExhaustedException.class);
              assertThat(e.getCause())
                  .isInstanceOf(HandshakeTimeoutException.class)
                  .hasMessageStartingWith(
                      "WebSocket handshake with " + uri + " did not complete within 300 ms");
            })
        .verify(WAIT);
    assertThat(accepted).hasValue(3);
  }

  @Test
  void cancellingTheAttemptBeforeTheUpgradeClosesTheChannel() {
    Sinks.Many<String> serverSide = Sinks.many().replay().all();
    DisposableServer silent = silentServer(serverSide);
    Transport transport = WebSocketTransport.create("ws://127.0.0.1:" + silent.port() + "/ws");

    Disposable attempt = transport.connect(Flux.never()).subscribe();
    serverSide.asFlux().filter("accepted"::equals).blockFirst(WAIT);
    attempt.dispose();

    assertThat(serverSide.asFlux().filter("closed"::equals).blockFirst(WAIT)).isEqualTo("closed");
  }

  @Test
  void connectionEstablishedForACancelledAttemptIsClosed() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    TestServer server = closeLater(TestServer.echo(supervisor));
    // no demand: the sink holds the established connection, and cancel discards it, as when
    // cancel and the handshake's completion cross
    BaseSubscriber<Transport.Connection> noDemand =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(Subscription subscription) {}
        };
    WebSocketTransport.create(server.uri("/ws")).connect(Flux.never()).subscribe(noDemand);
    await(() -> supervisor.connections() == 1);

    noDemand.cancel();

    await(() -> supervisor.connections() == 0);
  }

  @Test
  void headersAreComputedAgainAtEveryAttempt() {
    List<String> tokens = new CopyOnWriteArrayList<>();
    TestServer server =
        closeLater(
            TestServer.start(
                0,
                routes ->
                    routes.get(
                        "/ws",
                        (request, response) -> {
                          tokens.add(request.requestHeaders().get("Authorization"));
                          // the first attempt is turned away, with a retryable status
                          return tokens.size() == 1
                              ? response.status(503).send()
                              : response.sendWebsocket(
                                  (in, out) -> out.sendString(Mono.just("hi")).then(Mono.never()));
                        })));
    AtomicInteger issued = new AtomicInteger();
    SupervisedConnection ws =
        supervise(
            Supervisor.create(
                    WebSocketTransport.create(server.uri("/ws"))
                        .headers(h -> h.set("Authorization", "token-" + issued.incrementAndGet())))
                .retry(Retry.fixedDelay(3, Duration.ofMillis(100))));

    assertThat(ws.inbound().next().block(WAIT)).isEqualTo(Frame.text("hi"));
    assertThat(tokens).containsExactly("token-1", "token-2");
  }

  @Test
  void headersConsumerThatThrowsFailsTheAttemptWithItsErrorAndClosesTheChannel() {
    Sinks.Many<String> serverSide = Sinks.many().replay().all();
    DisposableServer silent = silentServer(serverSide);
    IllegalStateException noToken = new IllegalStateException("no token yet");
    Transport transport =
        WebSocketTransport.create("ws://127.0.0.1:" + silent.port() + "/ws")
            .headers(
                h -> {
                  throw noToken;
                });

    StepVerifier.create(transport.connect(Flux.never()))
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(noToken))
        .verify(WAIT);
    assertThat(serverSide.asFlux().filter("closed"::equals).blockFirst(WAIT)).isEqualTo("closed");
  }

  @Test
  void connectionIsEmittedOnlyOnceRequested() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    TestServer server = closeLater(TestServer.echo(supervisor));
    Transport transport = WebSocketTransport.create(server.uri("/ws"));

    StepVerifier.create(transport.connect(Flux.never()), 0)
        .then(() -> await(() -> supervisor.connections() == 1))
        .expectNoEvent(Duration.ofMillis(100))
        .thenRequest(1)
        .assertNext(
            connection -> {
              assertThat(connection.isDisposed()).isFalse();
              connection.dispose();
            })
        .expectComplete()
        .verify(WAIT);
    await(() -> supervisor.connections() == 0);
  }

  @Test
  void invalidUrisAreRejectedAtCreate() {
    assertThatThrownBy(() -> WebSocketTransport.create("http://example.com/ws"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid WebSocket URI \"http://example.com/ws\": the scheme must be ws or wss, was"
                + " \"http\"; expected ws://host[:port]/path or wss://host[:port]/path");
    assertThatThrownBy(() -> WebSocketTransport.create("ws://exa mple.com/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid WebSocket URI \"ws://exa mple.com/\": Illegal character");
    assertThatThrownBy(() -> WebSocketTransport.create("ws:///path"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no host");
    assertThatThrownBy(() -> WebSocketTransport.create("ws://host/path#frag"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fragment");
    assertThatThrownBy(() -> WebSocketTransport.create("ws://127.0.0.1:99999/ws"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid WebSocket URI \"ws://127.0.0.1:99999/ws\": port 99999 is out of range; a"
                + " port is 1 to 65535, or omitted for 80");
  }

  @Test
  void serverThatSelectsNoneOfTheAskedSubprotocolsEndsSupervisionWithAMessageSayingSo() {
    TestServer server = closeLater(TestServer.echo(ServerSupervisor.builder().build()));
    SupervisedConnection ws =
        supervise(
            Supervisor.create(WebSocketTransport.create(server.uri("/ws")).subprotocols("chat")));

    StepVerifier.create(ws.inbound())
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(dev.lifeline.HandshakeException.class)
                    .hasMessageStartingWith(
                        "WebSocket handshake with "
                            + server.uri("/ws")
                            + " failed: the server answered 101 Switching Protocols, but not with"
                            + " a subprotocol this client asked for (")
                    .hasMessageEndingWith(
                        "); check WebSocketTransport.subprotocols(..) against what the server"
                            + " supports"))
        .verify(WAIT);
  }

  @Test
  void settersReturnCopiesAndLeaveTheOriginalUnchanged() {
    WebSocketTransport original = WebSocketTransport.create("ws://127.0.0.1:1/ws");
    WebSocketTransport changed =
        original
            .maxFramePayloadLength(1024)
            .compress(true)
            .subprotocols("chat")
            .connectTimeout(Duration.ofSeconds(1))
            .handshakeTimeout(Duration.ofSeconds(2));

    assertThat(changed).isNotSameAs(original);
    assertThat(original.maxFramePayloadLength()).isEqualTo(65536);
    assertThat(original.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(changed.maxFramePayloadLength()).isEqualTo(1024);
    assertThat(changed.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(changed.uri()).isEqualTo(original.uri());
  }

  /** Waits, at most {@link #WAIT}, until {@code condition} holds. */
  static void await(BooleanSupplier condition) {
    Flux.interval(Duration.ofMillis(10))
        .filter(tick -> condition.getAsBoolean())
        .next()
        .block(WAIT);
  }
}
