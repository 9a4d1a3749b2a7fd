package dev.lifeline.bench.scale;

import dev.lifeline.netty.ServerSupervisor;
import io.netty.channel.ChannelOption;
import java.util.ArrayList;
import java.util.List;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The server JVM of the scale runs: a Lifeline echo route at {@code /ws} that answers the seed's
 * text heartbeat ({@code heart_beat} → {@code ok}; RFC pings are answered by Netty), bound to the
 * given loopback addresses on one port. Prints {@code READY <port>} once bound, then runs until
 * killed.
 *
 * <p>Usage: {@code ScaleServer port=0 hosts=127.0.0.1,127.0.0.2}
 */
public final class ScaleServer {
  private ScaleServer() {}

  public static void main(String[] args) throws InterruptedException {
    Args a = new Args(args);
    int port = a.integer("port", 0);
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    List<DisposableServer> servers = new ArrayList<>();
    for (String host : a.string("hosts", "127.0.0.1").split(",")) {
      DisposableServer server =
          HttpServer.create()
              .host(host)
              .port(port)
              .option(ChannelOption.SO_BACKLOG, 4096)
              .route(r -> r.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))))
              .bindNow();
      port = server.port();
      servers.add(server);
    }
    System.out.println("READY " + port);
    System.out.flush();
    Thread.currentThread().join();
  }
}
