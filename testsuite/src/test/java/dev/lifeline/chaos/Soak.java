package dev.lifeline.chaos;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.LeakRecorder;
import dev.lifeline.netty.WebSocketTransport;
import dev.lifeline.testing.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.util.retry.Retry;

/**
 * The bounded soak: many supervised connections through fault proxies under random faults for a few
 * minutes, then an audit. Run with {@code mvn -B -Psoak -DskipTests verify} (properties {@code
 * soak.connections}, default 1000, and {@code soak.duration}, default PT3M). Exits 1 on any frame
 * lost silently, duplicated or reordered, any duplicate connection or any leak.
 *
 * <p>Each client sends a numbered text frame about once a second to {@code /record}. A frame is
 * lost silently when its send completed, the server never got it, and more such frames are missing
 * for that client than its disconnects reported as unconfirmed.
 */
public final class Soak {

  private static final int PROXIES = 10;
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private final int size;
  private final Duration duration;
  private final ChaosServer server = ChaosServer.start();
  private final List<FaultProxy> proxies = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();
  private final Map<String, AtomicInteger> faults = new TreeMap<>();
  private final Random random = new Random(42);

  private Soak(int size, Duration duration) {
    this.size = size;
    this.duration = duration;
    for (int i = 0; i < PROXIES; i++) {
      proxies.add(FaultProxy.start(server.address()));
    }
  }

  public static void main(String[] args) {
    int size = Integer.getInteger("soak.connections", 1000);
    Duration duration = Duration.parse(System.getProperty("soak.duration", "PT3M"));
    int problems = new Soak(size, duration).run();
    System.exit(problems == 0 ? 0 : 1);
  }

  /** One supervised connection and what happened to it. */
  private static final class Client {
    final int id;
    final SupervisedConnection ws;
    final AtomicLong next = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong unconfirmed = new AtomicLong();
    final AtomicInteger connecting = new AtomicInteger();
    final AtomicInteger connected = new AtomicInteger();
    final AtomicInteger disconnected = new AtomicInteger();
    final AtomicInteger dead = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final Map<Long, Boolean> outcome = new ConcurrentHashMap<>();
    volatile Throwable terminal;
    private boolean live; // events of one connection are serialized

    Client(int id, SupervisedConnection ws) {
      this.id = id;
      this.ws = ws;
    }

    void on(ConnectionEvent event) {
      if (event instanceof ConnectionEvent.Connecting) {
        connecting.incrementAndGet();
      } else if (event instanceof ConnectionEvent.Connected) {
        connected.incrementAndGet();
        live = true;
        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      } else if (event instanceof ConnectionEvent.Disconnected d) {
        disconnected.incrementAndGet();
        if (live) {
          live = false;
          open.decrementAndGet();
        }
        unconfirmed.addAndGet(d.unconfirmedFrames());
      } else if (event instanceof ConnectionEvent.PeerDead) {
        dead.incrementAndGet();
      }
    }

    void send() {
      long seq = next.getAndIncrement();
      ws.send(Frame.text(id + ":" + seq))
          .subscribe(
              null,
              error -> {
                outcome.put(seq, false);
                failed.incrementAndGet();
              },
              () -> {
                outcome.put(seq, true);
                completed.incrementAndGet();
              });
    }
  }

  private int run() {
    long start = System.nanoTime();
    Heartbeat heartbeat =
        Heartbeat.ping().interval(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(1));
    for (int i = 0; i < size; i++) {
      FaultProxy proxy = proxies.get(i % PROXIES);
      Supervisor supervisor =
          Supervisor.create(
                  WebSocketTransport.create(ChaosServer.uri(proxy, "/record"))
                      .connectTimeout(Duration.ofSeconds(5))
                      .handshakeTimeout(Duration.ofSeconds(5)))
              .heartbeat(heartbeat)
              .retry(Retry.backoff(1000, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2)));
      Client client = new Client(i, supervisor.connection());
      client.ws.events().subscribe(client::on);
      client.ws.inbound().subscribe(frame -> {}, error -> client.terminal = error);
      clients.add(client);
    }
    await(
        "all " + size + " connected", () -> clients.stream().allMatch(c -> c.connected.get() >= 1));
    print("%d connections up in %d ms", size, millis(start));

    // traffic and faults
    long end = System.nanoTime() + duration.toNanos();
    long nextFault = System.nanoTime();
    int tick = 0;
    boolean restarted = false;
    while (System.nanoTime() < end) {
      for (int i = tick % 10; i < size; i += 10) {
        clients.get(i).send();
      }
      tick++;
      if (System.nanoTime() >= nextFault) {
        if (!restarted && System.nanoTime() > end - duration.toNanos() / 2) {
          restarted = true;
          count("server restart");
          server.stop();
          park(Duration.ofSeconds(1));
          server.restart();
        } else {
          fault(proxies.get(random.nextInt(PROXIES)));
        }
        nextFault = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      }
      park(Duration.ofMillis(100));
    }
    proxies.forEach(FaultProxy::pass);
    print("faults over after %d ms; settling", millis(start));

    // settle: every client connected again, then give frames in flight time to land
    await(
        "all connected again",
        () -> clients.stream().allMatch(c -> c.open.get() >= 1 || c.terminal != null));
    park(Duration.ofSeconds(3));
    long recorded = server.recorded().size();
    Flux.fromIterable(clients).flatMap(c -> c.ws.close(), 64).blockLast(SETTLE);
    return audit(start, recorded);
  }

  private void fault(FaultProxy proxy) {
    switch (random.nextInt(5)) {
      case 0 -> {
        count("reset");
        proxy.reset();
      }
      case 1 -> {
        count("close (FIN)");
        proxy.closeConnections();
      }
      case 2 -> {
        count("blackhole 2.5 s");
        proxy.blackhole();
        park(Duration.ofMillis(2500));
        proxy.pass();
      }
      case 3 -> {
        count("delay 100 ms for 2.5 s");
        proxy.delay(Duration.ofMillis(100));
        park(Duration.ofMillis(2500));
        proxy.pass();
      }
      default -> {
        count("throttle 2 kB/s for 2.5 s");
        proxy.throttle(2_000);
        park(Duration.ofMillis(2500));
        proxy.pass();
      }
    }
  }

  private int audit(long start, long recordedBeforeClose) {
    int problems = 0;
    Map<Integer, List<Long>> received = new HashMap<>();
    for (String text : server.recorded()) {
      String[] parts = text.split(":");
      received
          .computeIfAbsent(Integer.parseInt(parts[0]), k -> new ArrayList<>())
          .add(Long.parseLong(parts[1]));
    }
    long sent = 0, completed = 0, failed = 0, delivered = 0, missing = 0, unconfirmed = 0;
    long disorder = 0, lostSilently = 0, failedButDelivered = 0, duplicateConnections = 0;
    long attempts = 0, connects = 0, deaths = 0, disconnects = 0, terminated = 0;
    for (Client c : clients) {
      List<Long> got = received.getOrDefault(c.id, List.of());
      for (int i = 1; i < got.size(); i++) {
        if (got.get(i) <= got.get(i - 1)) {
          disorder++;
        }
      }
      Set<Long> gotSet = new HashSet<>(got);
      long clientMissing = 0;
      for (Map.Entry<Long, Boolean> e : c.outcome.entrySet()) {
        boolean arrived = gotSet.contains(e.getKey());
        if (e.getValue() && !arrived) {
          clientMissing++;
        }
        if (!e.getValue() && arrived) {
          failedButDelivered++;
        }
      }
      if (clientMissing > c.unconfirmed.get()) {
        lostSilently += clientMissing - c.unconfirmed.get();
      }
      if (c.maxOpen.get() > 1) {
        duplicateConnections++;
      }
      sent += c.next.get();
      completed += c.completed.get();
      failed += c.failed.get();
      delivered += got.size();
      missing += clientMissing;
      unconfirmed += c.unconfirmed.get();
      attempts += c.connecting.get();
      connects += c.connected.get();
      deaths += c.dead.get();
      disconnects += c.disconnected.get();
      terminated += c.terminal != null ? 1 : 0;
    }
    int accepted = proxies.stream().mapToInt(FaultProxy::accepted).sum();
    proxies.forEach(FaultProxy::close);
    server.close();
    LeakRecorder.collectAndChurn();
    List<String> leaks = LeakRecorder.reports();

    print("---- soak summary after %d ms ----", millis(start));
    print("connections           %d (ended with an error: %d)", size, terminated);
    print("faults                %s", faults);
    print("outages (disconnects) %d", disconnects);
    print("detections (dead)     %d", deaths);
    print("attempts / connects   %d / %d (reconnects %d)", attempts, connects, connects - size);
    print("proxied connections   %d (must equal attempts)", accepted);
    print("frames sent           %d", sent);
    print("  delivered           %d", delivered);
    print("  send failed         %d (sender told)", failed);
    print("  completed, missing  %d (reported unconfirmed: %d)", missing, unconfirmed);
    print("  pending at the end  %d", sent - completed - failed);
    print("lost silently         %d", lostSilently);
    print("failed but delivered  %d", failedButDelivered);
    print("reordered/duplicated  %d", disorder);
    print("duplicate connections %d", duplicateConnections);
    print("leak reports          %d", leaks.size());
    if (lostSilently > 0 || disorder > 0 || failedButDelivered > 0) {
      problems++;
    }
    if (accepted != attempts || duplicateConnections > 0) {
      problems++;
    }
    if (sent - completed - failed != 0 || !leaks.isEmpty()) {
      problems++;
    }
    if (recordedBeforeClose > delivered) {
      problems++;
    }
    leaks.forEach(System.out::println);
    print(problems == 0 ? "SOAK PASSED" : "SOAK FAILED: %d kinds of problem", problems);
    return problems;
  }

  private void count(String fault) {
    faults.computeIfAbsent(fault, k -> new AtomicInteger()).incrementAndGet();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("soak: waited " + SETTLE + " for " + what);
      }
      park(Duration.ofMillis(50));
    }
  }

  private static void park(Duration duration) {
    LockSupport.parkNanos(duration.toNanos());
  }

  private static long millis(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static void print(String format, Object... args) {
    System.out.println("SOAK | " + String.format(format, args));
  }
}
