package dev.lifeline.bench.scale;

import dev.lifeline.netty.ServerSupervisor;
import io.netty.channel.ChannelOption;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The server JVM of the scale runs: a Lifeline echo route at {@code /ws} that answers the seed's
 * text heartbeat ({@code heart_beat} → {@code ok}; RFC pings are answered by Netty), bound to the
 * given loopback addresses on one port. Prints {@code READY <port>} once bound, then runs until
 * killed; {@code drain <window ms> <hint ms>} on stdin drains every client ({@link
 * ServerSupervisor#drain(Duration, Duration)}, no hint for 0) and prints {@code DRAINED}.
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
    // the storm's drain rows: "drain <window ms> <hint ms>" on stdin (hint 0: none)
    try (BufferedReader commands =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = commands.readLine()) != null) {
        String[] command = line.trim().split(" ");
        if (command.length == 3 && command[0].equals("drain")) {
          Duration window = Duration.ofMillis(Long.parseLong(command[1]));
          long hint = Long.parseLong(command[2]);
          (hint == 0 ? supervisor.drain(window) : supervisor.drain(window, Duration.ofMillis(hint)))
              .block();
          System.out.println("DRAINED");
          System.out.flush();
        }
      }
    } catch (IOException e) {
      // stdin closed: run on until killed
    }
    Thread.currentThread().join();
  }
}
