package dev.lifeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each mode of the proxy, proven by what plain sockets on both ends observe. */
class FaultProxyTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int PATIENCE_MILLIS = 10_000;
  private static final int SILENCE_MILLIS = 500;

  private final List<Socket> sockets = new ArrayList<>();
  private ServerSocket target;
  private FaultProxy proxy;

  @BeforeEach
  void startTargetAndProxy() throws IOException {
    target = new ServerSocket(0, 100, LOOPBACK);
    target.setSoTimeout(PATIENCE_MILLIS);
    proxy = FaultProxy.start(new InetSocketAddress(LOOPBACK, target.getLocalPort()));
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    proxy.close();
    target.close();
  }

  @Test
  void passForwardsBytesBothWaysAndCountsConnections() throws IOException {
    Pair first = connect();
    Pair second = connect();

    send(first.client, "ping");
    assertThat(receive(first.server, 4)).isEqualTo("ping");
    send(first.server, "pong");
    assertThat(receive(first.client, 4)).isEqualTo("pong");
    send(second.client, "two");
    assertThat(receive(second.server, 3)).isEqualTo("two");

    assertThat(proxy.accepted()).isEqualTo(2);
    assertThat(proxy.open()).isEqualTo(2);
    assertThat(proxy.address()).isEqualTo(new InetSocketAddress("127.0.0.1", proxy.port()));
  }

  @Test
  void aSideThatClosesIsPassedOnAsAFinAndTheConnectionIsNoLongerOpen() throws IOException {
    Pair pair = connect();

    pair.client.close();

    assertThat(pair.server.getInputStream().read()).isEqualTo(-1);
    await(() -> proxy.open() == 0);
  }

  @Test
  void blackholeForwardsNothingEitherWayKeepsBothSocketsOpenAndDiscardsWhatArrives()
      throws IOException {
    Pair pair = connect();
    send(pair.client, "before");
    assertThat(receive(pair.server, 6)).isEqualTo("before");

    // the cable is cut: bytes written now go nowhere, and neither side hears FIN or RST
    proxy.blackhole();
    send(pair.client, "lost-up");
    send(pair.server, "lost-down");
    assertSilent(pair.server);
    assertSilent(pair.client);
    assertThat(proxy.open()).isEqualTo(1);

    // the cable is back: the same sockets carry new bytes, the discarded ones never arrive
    proxy.pass();
    send(pair.client, "after");
    assertThat(receive(pair.server, 5)).isEqualTo("after");
    send(pair.server, "back");
    assertThat(receive(pair.client, 4)).isEqualTo("back");
  }

  @Test
  void blackholeHoldsBackACloseUntilItLifts() throws IOException {
    Pair pair = connect();
    proxy.blackhole();

    pair.client.close();
    assertSilent(pair.server);
    assertThat(proxy.open()).isEqualTo(1);

    proxy.pass();
    assertThat(pair.server.getInputStream().read()).isEqualTo(-1);
    await(() -> proxy.open() == 0);
  }

  @Test
  void resetSendsAnRstToBothSidesAndLaterConnectionsPass() throws IOException {
    Pair pair = connect();
    send(pair.client, "hi");
    assertThat(receive(pair.server, 2)).isEqualTo("hi");

    proxy.reset();

    assertThatThrownBy(() -> pair.client.getInputStream().read())
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("reset");
    assertThatThrownBy(() -> pair.server.getInputStream().read())
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("reset");
    await(() -> proxy.open() == 0);

    Pair next = connect();
    send(next.client, "again");
    assertThat(receive(next.server, 5)).isEqualTo("again");
    assertThat(proxy.accepted()).isEqualTo(2);
  }

  @Test
  void closeConnectionsSendsAFinToBothSides() throws IOException {
    Pair pair = connect();

    proxy.closeConnections();

    assertThat(pair.client.getInputStream().read()).isEqualTo(-1);
    assertThat(pair.server.getInputStream().read()).isEqualTo(-1);
    await(() -> proxy.open() == 0);
  }

  @Test
  void delayHoldsEveryChunkForTheDelayAndKeepsOrderAcrossAModeChange() throws IOException {
    Pair pair = connect();
    pair.client.setTcpNoDelay(true);
    proxy.delay(Duration.ofMillis(200));

    long start = System.nanoTime();
    send(pair.client, "x");
    assertThat(receive(pair.server, 1)).isEqualTo("x");
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.println("delay(200 ms): one chunk took " + elapsedMillis + " ms");
    assertThat(elapsedMillis).isBetween(200L, 5_000L);

    // chunks sent while delayed and after the switch to pass arrive in the order sent
    OutputStream out = pair.client.getOutputStream();
    for (int i = 0; i < 100; i++) {
      if (i == 50) {
        proxy.pass();
      }
      out.write(ByteBuffer.allocate(4).putInt(i).array());
      out.flush();
    }
    DataInputStream in = new DataInputStream(pair.server.getInputStream());
    for (int i = 0; i < 100; i++) {
      assertThat(in.readInt()).isEqualTo(i);
    }
  }

  @Test
  void throttleForwardsNoFasterThanTheRate() throws Exception {
    Pair pair = connect();
    proxy.throttle(100_000);
    byte[] payload = new byte[100_000];

    long start = System.nanoTime();
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              try {
                pair.client.getOutputStream().write(payload);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    new DataInputStream(pair.server.getInputStream()).readFully(new byte[payload.length]);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    writing.get(PATIENCE_MILLIS, TimeUnit.MILLISECONDS);

    System.out.println("throttle(100000 B/s): 100000 bytes took " + elapsedMillis + " ms");
    // the first 20 ms slice goes at once, so 100 kB at 100 kB/s take at least 980 ms
    assertThat(elapsedMillis).isBetween(900L, 10_000L);
  }

  @Test
  void aClientOfATargetThatIsDownIsReset() throws IOException {
    int closedPort;
    try (ServerSocket gone = new ServerSocket(0, 1, LOOPBACK)) {
      closedPort = gone.getLocalPort();
    }
    try (FaultProxy refused = FaultProxy.start(new InetSocketAddress(LOOPBACK, closedPort));
        Socket client = new Socket(LOOPBACK, refused.port())) {
      client.setSoTimeout(PATIENCE_MILLIS);

      assertThatThrownBy(() -> client.getInputStream().read())
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
      assertThat(refused.accepted()).isEqualTo(1);
      await(() -> refused.open() == 0);
    }
  }

  @Test
  void manyConnectionsShareTheProxysTwoThreads() throws IOException {
    for (int i = 0; i < 50; i++) {
      Pair pair = connect();
      send(pair.client, "n");
      assertThat(receive(pair.server, 1)).isEqualTo("n");
    }

    assertThat(proxy.open()).isEqualTo(50);
    assertThat(proxyThreads()).isLessThanOrEqualTo(2);
  }

  @Test
  void closeEndsEveryConnectionAndStopsTheProxysThreads() throws IOException {
    Pair pair = connect();
    send(pair.client, "x");
    assertThat(receive(pair.server, 1)).isEqualTo("x");

    proxy.close();

    assertThat(pair.client.getInputStream().read()).isEqualTo(-1);
    assertThat(pair.server.getInputStream().read()).isEqualTo(-1);
    assertThat(proxy.open()).isZero();
    await(() -> proxyThreads() == 0);
  }

  @Test
  void invalidSettingsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> proxy.throttle(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault proxy throttle must be at least 1 byte per second, was 0");
    assertThatThrownBy(() -> proxy.delay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault proxy delay must not be negative, was PT-0.001S");
  }

  private record Pair(Socket client, Socket server) {}

  private Pair connect() throws IOException {
    Socket client = new Socket(LOOPBACK, proxy.port());
    sockets.add(client);
    client.setSoTimeout(PATIENCE_MILLIS);
    Socket server = target.accept();
    sockets.add(server);
    server.setSoTimeout(PATIENCE_MILLIS);
    return new Pair(client, server);
  }

  private static void send(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
  }

  private static String receive(Socket socket, int length) throws IOException {
    byte[] bytes = new byte[length];
    new DataInputStream(socket.getInputStream()).readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Nothing arrives for a while: no byte, no FIN (read would return -1), no RST (it would throw).
   */
  private static void assertSilent(Socket socket) throws IOException {
    socket.setSoTimeout(SILENCE_MILLIS);
    try {
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
    } finally {
      socket.setSoTimeout(PATIENCE_MILLIS);
    }
  }

  private static long proxyThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("lifeline-fault-proxy"))
        .count();
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MILLIS);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition within 10 s").isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }
}
