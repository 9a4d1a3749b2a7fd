package dev.lifeline.netty;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.function.Consumer;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRoutes;

/** A Reactor Netty HTTP server on 127.0.0.1 for tests. */
final class TestServer implements AutoCloseable {
  private final DisposableServer server;
  private final ChannelGroup connections;

  private TestServer(DisposableServer server, ChannelGroup connections) {
    this.server = server;
    this.connections = connections;
  }

  /** An echo server under {@code supervisor} at {@code /ws} on a free port. */
  static TestServer echo(ServerSupervisor supervisor) {
    return start(0, routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))));
  }

  /** A server with {@code routes} on {@code port} (0 for a free one). */
  static TestServer start(int port, Consumer<? super HttpServerRoutes> routes) {
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    return new TestServer(
        HttpServer.create()
            .host("127.0.0.1")
            .port(port)
            .doOnConnection(c -> connections.add(c.channel()))
            .route(routes)
            .bindNow(Duration.ofSeconds(10)),
        connections);
  }

  int port() {
    return server.port();
  }

  String uri(String path) {
    return "ws://127.0.0.1:" + port() + path;
  }

  /** Stops listening and drops every connection without a close frame, as a dying process. */
  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
    connections.close().awaitUninterruptibly(10_000);
  }
}
