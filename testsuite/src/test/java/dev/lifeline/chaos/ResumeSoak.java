package dev.lifeline.chaos;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;

/**
 * The resume soak: many resuming clients stream numbered frames to a resuming echo server through
 * fault proxies under random faults (reset, FIN, blackhole), then an audit per direction: sent,
 * delivered, lost, duplicated, out of order. Both must be 0 for lost and duplicated. A short run is
 * part of the build ({@code ResumeSoakTest}); a long one runs with {@code mvn -B -Psoak -DskipTests
 * verify} (properties {@code soak.resume.connections}, default 200, and {@code
 * soak.resume.duration}, default PT2M).
 */
public final class ResumeSoak {
  private static final int PROXIES = 4;

  /** What the audit found, per direction. */
  public record Audit(
      long sent,
      long receivedByServer,
      long lostToServer,
      long duplicatedAtServer,
      long echoed,
      long lostToClient,
      long duplicatedAtClient,
      long outOfOrder,
      long sessionsLost,
      Map<String, Integer> faults) {
    boolean clean() {
      return lostToServer == 0
          && duplicatedAtServer == 0
          && lostToClient == 0
          && duplicatedAtClient == 0
          && outOfOrder == 0
          && sessionsLost == 0;
    }

    @Override
    public String toString() {
      return String.format(
          "client->server: sent %d, delivered %d, lost %d, duplicated %d | server->client: sent"
              + " %d, delivered %d, lost %d, duplicated %d | out of order %d | sessions lost %d |"
              + " faults %s",
          sent,
          receivedByServer,
          lostToServer,
          duplicatedAtServer,
          receivedByServer,
          echoed,
          lostToClient,
          duplicatedAtClient,
          outOfOrder,
          sessionsLost,
          faults);
    }
  }

  private ResumeSoak() {}

  public static void main(String[] args) {
    int connections = Integer.getInteger("soak.resume.connections", 200);
    Duration duration = Duration.parse(System.getProperty("soak.resume.duration", "PT2M"));
    Audit audit = run(connections, duration, Duration.ofMillis(50));
    System.out.println(
        "RESUME SOAK | " + connections + " connections, " + duration + " | " + audit);
    System.exit(audit.clean() ? 0 : 1);
  }

  /**
   * Runs {@code connections} clients for {@code duration}, each sending a frame every {@code
   * every}.
   */
  static Audit run(int connections, Duration duration, Duration every) {
    // per client id: the numbers the server received, and the echoes the client received
    Map<String, ConcurrentLinkedQueue<Integer>> atServer = new ConcurrentHashMap<>();
    ServerSupervisor supervisor =
        ServerSupervisor.builder()
            .heartbeat(dev.lifeline.Heartbeat.ping())
            .idleTimeout(Duration.ofSeconds(2))
            .resume(Resume.defaults())
            .build();
    DisposableServer server =
        Chaos.serve(
            supervisor,
            "/echo",
            c ->
                c.send(
                    c.inbound()
                        .doOnNext(
                            f -> {
                              String[] parts = ((Frame.Text) f).text().split(":");
                              atServer
                                  .computeIfAbsent(parts[0], k -> new ConcurrentLinkedQueue<>())
                                  .add(Integer.parseInt(parts[1]));
                            })));
    List<FaultProxy> proxies = new ArrayList<>();
    for (int i = 0; i < PROXIES; i++) {
      proxies.add(FaultProxy.start(new InetSocketAddress("127.0.0.1", server.port())));
    }
    List<Client> clients = new ArrayList<>();
    Map<String, Integer> faults = new TreeMap<>();
    Random random = new Random(7);
    try {
      for (int i = 0; i < connections; i++) {
        clients.add(new Client("c" + i, proxies.get(i % PROXIES), every));
      }
      long end = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < end) {
        sleep(300 + random.nextInt(700));
        FaultProxy proxy = proxies.get(random.nextInt(PROXIES));
        switch (random.nextInt(3)) {
          case 0 -> {
            proxy.reset();
            faults.merge("reset", 1, Integer::sum);
          }
          case 1 -> {
            proxy.closeConnections();
            faults.merge("fin", 1, Integer::sum);
          }
          default -> {
            proxy.blackhole();
            sleep(800);
            proxy.pass();
            faults.merge("blackhole", 1, Integer::sum);
          }
        }
      }
      clients.forEach(Client::stopSending);
      proxies.forEach(FaultProxy::pass);
      // settle: every frame sent is echoed, or the time is up
      long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < settle && !clients.stream().allMatch(Client::settled)) {
        sleep(100);
      }
      long sent = 0;
      long receivedByServer = 0;
      long lostToServer = 0;
      long duplicatedAtServer = 0;
      long echoed = 0;
      long lostToClient = 0;
      long duplicatedAtClient = 0;
      long outOfOrder = 0;
      long sessionsLost = 0;
      for (Client c : clients) {
        int n = c.sent.get();
        sent += n;
        List<Integer> server1 =
            List.copyOf(atServer.getOrDefault(c.id, new ConcurrentLinkedQueue<>()));
        List<Integer> echoes = List.copyOf(c.echoes);
        receivedByServer += server1.size();
        echoed += echoes.size();
        lostToServer += n - server1.stream().distinct().count();
        duplicatedAtServer += server1.size() - server1.stream().distinct().count();
        lostToClient += server1.stream().distinct().count() - echoes.stream().distinct().count();
        duplicatedAtClient += echoes.size() - echoes.stream().distinct().count();
        for (int i = 0; i < echoes.size(); i++) {
          if (echoes.get(i) != i) {
            outOfOrder++;
            break;
          }
        }
        sessionsLost += c.sessionsLost.get();
      }
      return new Audit(
          sent,
          receivedByServer,
          lostToServer,
          duplicatedAtServer,
          echoed,
          lostToClient,
          duplicatedAtClient,
          outOfOrder,
          sessionsLost,
          faults);
    } finally {
      clients.forEach(Client::close);
      proxies.forEach(FaultProxy::close);
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** One resuming client: sends i = 0, 1, 2, … and records the echoes. */
  private static final class Client implements AutoCloseable {
    final String id;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicLong sessionsLost = new AtomicLong();
    final ConcurrentLinkedQueue<Integer> echoes = new ConcurrentLinkedQueue<>();
    private final SupervisedConnection connection;
    private final Disposable reading;
    private final Disposable events;
    private final Disposable sending;

    Client(String id, FaultProxy proxy, Duration every) {
      this.id = id;
      this.connection =
          Chaos.supervisor(URI.create("ws://127.0.0.1:" + proxy.port() + "/echo"), 1_000)
              .outboundBufferCapacity(100_000)
              .resume(Resume.defaults())
              .connection();
      this.events =
          connection
              .events()
              .subscribe(
                  e -> {
                    if (e instanceof dev.lifeline.ConnectionEvent.SessionLost) {
                      sessionsLost.incrementAndGet();
                    }
                  });
      this.reading =
          connection
              .inbound()
              .subscribe(
                  f -> echoes.add(Integer.parseInt(((Frame.Text) f).text().split(":")[1])),
                  e -> {});
      this.sending =
          Flux.interval(every, Schedulers.parallel())
              .onBackpressureDrop()
              .concatMap(
                  tick -> {
                    int n = sent.get();
                    return connection
                        .send(Frame.text(id + ":" + n))
                        .doOnSuccess(v -> sent.incrementAndGet())
                        .onErrorResume(e -> Mono.empty());
                  },
                  1)
              .subscribe();
    }

    void stopSending() {
      sending.dispose();
    }

    boolean settled() {
      return echoes.size() >= sent.get();
    }

    @Override
    public void close() {
      sending.dispose();
      reading.dispose();
      events.dispose();
    }
  }
}
