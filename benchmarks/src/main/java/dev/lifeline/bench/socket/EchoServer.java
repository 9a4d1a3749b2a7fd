package dev.lifeline.bench.socket;

import dev.lifeline.netty.ServerSupervisor;
import io.netty.channel.ChannelOption;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The Lifeline echo server every client of the socket benchmarks talks to. */
final class EchoServer {
  private EchoServer() {}

  /** Binds an echo route at {@code /ws} on {@code 127.0.0.1:port} (0 for any free port). */
  static DisposableServer start(ServerSupervisor supervisor, int port) {
    return HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .route(routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))))
        .bindNow();
  }
}
