package dev.lifeline.chaos;

import dev.lifeline.Frame;
import dev.lifeline.netty.ServerConnection;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.testing.FaultProxy;
import io.netty.buffer.Unpooled;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A Reactor Netty WebSocket server on 127.0.0.1 with one route per kind of peer the chaos matrix
 * needs; it can be stopped and started again on the same port, as a server process restart.
 *
 * <ul>
 *   <li>{@code /echo} echoes every frame;
 *   <li>{@code /record} says {@code hello}, then records every text frame it receives, in order,
 *       across connections;
 *   <li>{@code /flap} accepts the upgrade and closes at once with 1000;
 *   <li>{@code /close} closes with the status code the client sends as text;
 *   <li>{@code /big} sends one binary frame of 2000 bytes;
 *   <li>{@code /bulk} answers the text {@code bulk} with 20 binary frames of 8 KiB, then {@code
 *       ok};
 *   <li>{@code /huge} answers the text {@code huge} with one binary frame of 60 KiB, then {@code
 *       ok};
 *   <li>{@code /bad-utf8} sends a text frame whose payload is not UTF-8;
 *   <li>{@code /error} answers the upgrade request with HTTP 500.
 * </ul>
 */
final class ChaosServer implements AutoCloseable {

  static final int BULK_FRAMES = 20;
  static final int BULK_FRAME_BYTES = 8 * 1024;
  static final int HUGE_FRAME_BYTES = 60 * 1024;

  private final ServerSupervisor supervisor = ServerSupervisor.builder().build();
  private final List<String> recorded = new ArrayList<>();
  private final AtomicInteger upgrades = new AtomicInteger();
  private final int port;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile DisposableServer server;

  private ChaosServer() {
    server = bind(0);
    port = server.port();
  }

  static ChaosServer start() {
    return new ChaosServer();
  }

  int port() {
    return port;
  }

  InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  URI uri(String path) {
    return URI.create("ws://127.0.0.1:" + port + path);
  }

  static URI uri(FaultProxy proxy, String path) {
    return URI.create("ws://127.0.0.1:" + proxy.port() + path);
  }

  /** WebSocket upgrades accepted so far, on every route. */
  int upgrades() {
    return upgrades.get();
  }

  /** Open client connections now. */
  int connections() {
    return supervisor.connections();
  }

  /** The text frames {@code /record} received, in order. */
  List<String> recorded() {
    synchronized (recorded) {
      return new ArrayList<>(recorded);
    }
  }

  /** Stops the server: its port refuses connections and its open connections are closed. */
  void stop() {
    // as a dying process: every open connection is closed at once (FIN), then the port
    channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
    server.disposeNow(Duration.ofSeconds(10));
  }

  /** Starts the server again on the same port. */
  void restart() {
    server = bind(port);
  }

  @Override
  public void close() {
    stop();
  }

  private DisposableServer bind(int port) {
    return HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .channelGroup(channels)
        .route(this::routes)
        .bindNow();
  }

  private void routes(HttpServerRoutes routes) {
    routes
        .ws("/echo", app(c -> c.send(c.inbound())))
        .ws(
            "/record",
            app(
                c ->
                    c.send(Mono.just(Frame.text("hello")))
                        .then(c.inbound().ofType(Frame.Text.class).doOnNext(this::record).then())))
        .ws("/flap", app(c -> c.close(1000, "flapping")))
        .ws(
            "/close",
            app(
                c ->
                    c.inbound()
                        .ofType(Frame.Text.class)
                        .concatMap(
                            text -> c.close(Integer.parseInt(text.text()), "closing as asked"))
                        .then()))
        .ws(
            "/big",
            app(c -> c.send(Mono.just(Frame.binary(new byte[2000]))).then(c.inbound().then())))
        .ws(
            "/bulk",
            app(
                c ->
                    c.send(
                        c.inbound()
                            .ofType(Frame.Text.class)
                            .filter(text -> text.text().equals("bulk"))
                            .concatMap(
                                text ->
                                    Flux.range(0, BULK_FRAMES)
                                        .<Frame>map(i -> Frame.binary(new byte[BULK_FRAME_BYTES]))
                                        .concatWithValues(Frame.text("ok"))))))
        .ws(
            "/huge",
            app(
                c ->
                    c.send(
                        c.inbound()
                            .ofType(Frame.Text.class)
                            .filter(text -> text.text().equals("huge"))
                            .concatMap(
                                text ->
                                    Flux.<Frame>just(
                                        Frame.binary(new byte[HUGE_FRAME_BYTES]),
                                        Frame.text("ok"))))))
        .ws(
            "/bad-utf8",
            (in, out) -> {
              upgrades.incrementAndGet();
              byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28};
              return out.sendObject(
                      Mono.just(new TextWebSocketFrame(Unpooled.wrappedBuffer(notUtf8))))
                  .then(in.receive().then());
            })
        .get(
            "/error",
            (request, response) ->
                response.status(HttpResponseStatus.INTERNAL_SERVER_ERROR).send());
  }

  private BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<Void>> app(
      Function<ServerConnection, Publisher<Void>> application) {
    return supervisor.handler(
        connection -> {
          upgrades.incrementAndGet();
          return application.apply(connection);
        });
  }

  private void record(Frame.Text text) {
    synchronized (recorded) {
      recorded.add(text.text());
    }
  }
}
