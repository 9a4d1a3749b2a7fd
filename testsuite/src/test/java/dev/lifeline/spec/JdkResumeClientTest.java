package dev.lifeline.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Resume;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An independent client of {@code lifeline.resume.v1}, written from {@code docs/resume-protocol.md}
 * on the JDK's own {@link java.net.http.WebSocket}, with no Lifeline class on its side: its own
 * encoding, counting and replay buffer. It resumes against {@link ServerSupervisor}.
 */
class JdkResumeClientTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final String PROTOCOL = "lifeline.resume.v1";
  private static final byte[] MAGIC = "LLR1".getBytes(StandardCharsets.US_ASCII);

  private final List<ServerEvent> serverEvents = new CopyOnWriteArrayList<>();
  private final ServerSupervisor supervisor =
      ServerSupervisor.builder()
          .resume(Resume.defaults())
          .sessionTimeout(Duration.ofMillis(800))
          .build();
  private final Disposable subscription = supervisor.events().subscribe(serverEvents::add);
  private final DisposableServer server =
      HttpServer.create()
          .host("127.0.0.1")
          .port(0)
          .route(r -> r.get("/echo", supervisor.upgrade(c -> c.send(c.inbound()))))
          .bindNow();
  private final FaultProxy proxy =
      FaultProxy.start(new InetSocketAddress("127.0.0.1", server.port()));
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    subscription.dispose();
    proxy.close();
    server.disposeNow(Duration.ofSeconds(10));
  }

  // ---- the protocol, from the specification ---------------------------------------------------

  /** A decoded control message (spec §4). */
  record Control(char type, char status, long received, byte[] session) {}

  static ByteBuffer hello(long received, byte[] session) {
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + (session == null ? 0 : 16));
    b.put(MAGIC).put((byte) 'H').putLong(received);
    if (session != null) {
      b.put(session);
    }
    return b.flip();
  }

  static ByteBuffer ack(long received) {
    return ByteBuffer.allocate(13).put(MAGIC).put((byte) 'A').putLong(received).flip();
  }

  static Control decode(ByteBuffer payload) {
    ByteBuffer b = payload.duplicate();
    byte[] magic = new byte[4];
    b.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      return null;
    }
    char type = (char) b.get();
    return switch (type) {
      case 'W' -> {
        char status = (char) b.get();
        long received = b.getLong();
        byte[] session = new byte[16];
        b.get(session);
        yield new Control(type, status, received, session);
      }
      case 'A' -> new Control(type, ' ', b.getLong(), null);
      default -> new Control(type, ' ', 0, null);
    };
  }

  /** One connection: texts and control messages as they arrive, and how it ended. */
  final class Connection implements WebSocket.Listener {
    final LinkedBlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    WebSocket socket;

    Connection open(int port) throws Exception {
      socket =
          http.newWebSocketBuilder()
              .subprotocols(PROTOCOL)
              .buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo"), this)
              .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertThat(socket.getSubprotocol()).isEqualTo(PROTOCOL);
      return this;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        arrivals.add(text.toString());
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      Control control = decode(message);
      if (control != null) {
        arrivals.add(control);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(-1);
    }

    Object next() throws InterruptedException {
      Object next = arrivals.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(next).as("a frame within %s", PATIENCE).isNotNull();
      return next;
    }

    Control welcome() throws InterruptedException {
      Object first = next();
      assertThat(first).isInstanceOf(Control.class);
      Control welcome = (Control) first;
      assertThat(welcome.type()).isEqualTo('W');
      return welcome;
    }
  }

  /** The client's session: what it sent and not yet had acknowledged, and what it received. */
  static final class Session {
    byte[] id;
    long sent;
    long received;
    final ArrayDeque<String> unacknowledged = new ArrayDeque<>();

    void acknowledged(long count) {
      while (sent - unacknowledged.size() < count) {
        unacknowledged.removeFirst();
      }
    }
  }

  private static void send(WebSocket socket, String text) {
    socket.sendText(text, true).join();
  }

  private static void await(String what, BooleanSupplier condition) {
    dev.lifeline.support.RealTime.await(what, condition);
  }

  // ---- the tests
  // ---------------------------------------------------------------------------------

  @Test
  void anIndependentClientResumesAndGetsEveryEchoExactlyOnce() throws Exception {
    int total = 400;
    Session session = new Session();
    List<String> echoes = new ArrayList<>();

    Connection first = new Connection().open(proxy.port());
    first.socket.sendPong(hello(0, null)).join();
    Control welcome = first.welcome();
    assertThat(welcome.status()).isEqualTo('N');
    assertThat(welcome.received()).isZero();
    session.id = welcome.session();

    for (int i = 0; i < total / 2; i++) {
      String text = Integer.toString(i);
      session.unacknowledged.addLast(text);
      session.sent++;
      send(first.socket, text);
    }
    // read some echoes, acknowledging each, then the network dies under the rest
    while (echoes.size() < 50) {
      Object next = first.next();
      if (next instanceof String echo) {
        echoes.add(echo);
        session.received++;
        first.socket.sendPong(ack(session.received));
      } else if (next instanceof Control c && c.type() == 'A') {
        session.acknowledged(c.received());
      }
    }
    proxy.reset();
    first.closed.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    // what arrived before the reset was read: it counts
    for (Object next; (next = first.arrivals.poll()) != null; ) {
      if (next instanceof String echo) {
        echoes.add(echo);
        session.received++;
      } else if (next instanceof Control c && c.type() == 'A') {
        session.acknowledged(c.received());
      }
    }

    Connection second = new Connection().open(proxy.port());
    second.socket.sendPong(hello(session.received, session.id)).join();
    Control resumed = second.welcome();
    assertThat(resumed.status()).isEqualTo('R');
    assertThat(resumed.session()).isEqualTo(session.id);
    assertThat(resumed.received())
        .isBetween(session.sent - session.unacknowledged.size(), session.sent);
    session.acknowledged(resumed.received());
    for (String replay : List.copyOf(session.unacknowledged)) {
      send(second.socket, replay);
    }
    for (int i = total / 2; i < total; i++) {
      String text = Integer.toString(i);
      session.unacknowledged.addLast(text);
      session.sent++;
      send(second.socket, text);
    }
    while (echoes.size() < total) {
      Object next = second.next();
      if (next instanceof String echo) {
        echoes.add(echo);
        session.received++;
        if (session.received % 32 == 0) {
          second.socket.sendPong(ack(session.received));
        }
      } else if (next instanceof Control c && c.type() == 'A') {
        session.acknowledged(c.received());
      } else if (next instanceof Control c && c.type() == 'Q') {
        second.socket.sendPong(ack(session.received));
      }
    }
    second.socket.sendClose(1000, "").join();

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      expected.add(Integer.toString(i));
    }
    assertThat(echoes).containsExactlyElementsOf(expected);
    await(
        "the server's resume event",
        () -> serverEvents.stream().anyMatch(ServerEvent.SessionResumed.class::isInstance));
    assertThat(serverEvents.stream().filter(ServerEvent.SessionStarted.class::isInstance))
        .hasSize(1);
    assertThat(serverEvents).noneMatch(ServerEvent.SessionExpired.class::isInstance);
  }

  @Test
  void anExpiredSessionIsAnsweredWithANewOne() throws Exception {
    Connection first = new Connection().open(server.port());
    first.socket.sendPong(hello(0, null)).join();
    byte[] old = first.welcome().session();
    first.socket.abort();
    await(
        "the session to expire",
        () -> serverEvents.stream().anyMatch(ServerEvent.SessionExpired.class::isInstance));

    Connection second = new Connection().open(server.port());
    second.socket.sendPong(hello(0, old)).join();
    Control fresh = second.welcome();
    assertThat(fresh.status()).isEqualTo('N');
    assertThat(fresh.received()).isZero();
    assertThat(fresh.session()).isNotEqualTo(old);
    second.socket.sendClose(1000, "").join();
  }

  @Test
  void aConnectionThatDoesNotStartWithHelloIsClosedWith1002() throws Exception {
    Connection connection = new Connection().open(server.port());
    send(connection.socket, "data before HELLO");
    assertThat(connection.closed.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1002);
  }
}
