package dev.lifeline.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A TCP proxy on {@code 127.0.0.1} that breaks connections on command, to test how an application
 * survives a broken network. Point the client at {@link #address()} instead of the server; the
 * proxy opens one connection to the target per client connection and forwards bytes both ways.
 *
 * <p>Faults are made in user space, so they work without root and without {@code netem}. The mode
 * applies to every connection, open or future, and can change while connections are open:
 *
 * <ul>
 *   <li>{@link #pass()} forwards at once (the default);
 *   <li>{@link #blackhole()} forwards nothing either way and keeps both sockets open, like an
 *       unplugged cable: no FIN, no RST, bytes that arrive meanwhile are read and discarded, and a
 *       side that closes is not told to the other until the blackhole lifts;
 *   <li>{@link #delay(Duration)} forwards each chunk a fixed time after it arrived;
 *   <li>{@link #throttle(long)} forwards at most so many bytes per second each way, and reads only
 *       as fast as it forwards, so the sender feels TCP back-pressure.
 * </ul>
 *
 * <p>A mode change applies to bytes that arrive after it; bytes already waiting keep their place,
 * so bytes are never reordered. {@link #reset()} and {@link #closeConnections()} act once, on the
 * connections open at the call; connections made later get the current mode. A client that connects
 * while the target is down is reset, as a refused port would be.
 *
 * <p>Every method is thread-safe and returns once every open connection has applied it (except when
 * called from the proxy's own threads). The proxy runs on two daemon threads of its own, never a
 * thread per connection; {@link #close()} stops them.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(new InetSocketAddress("127.0.0.1", serverPort))) {
 *   connectClientTo(proxy.port());
 *   proxy.blackhole();   // the cable is cut: does the client notice?
 *   proxy.pass();        // the cable is back: does it reconnect?
 *   assertEquals(2, proxy.accepted());
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class FaultProxy implements AutoCloseable {

  private static final long AWAIT_SECONDS = 10;

  private final InetSocketAddress target;
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(
          2, new DefaultThreadFactory("lifeline-fault-proxy", true), NioIoHandler.newFactory());
  private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile FaultMode mode = FaultMode.PASS;
  private volatile Channel listener;

  private FaultProxy(InetSocketAddress target) {
    this.target = target;
  }

  /**
   * Starts a proxy to {@code target} on {@code 127.0.0.1} and a free port, in pass mode. Returns
   * once the port is bound. The target need not be up yet.
   *
   * @throws IllegalStateException if no port could be bound
   * @since 0.1.0
   */
  public static FaultProxy start(InetSocketAddress target) {
    FaultProxy proxy = new FaultProxy(Objects.requireNonNull(target, "target"));
    proxy.bind();
    return proxy;
  }

  private void bind() {
    try {
      listener =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childOption(ChannelOption.AUTO_READ, false)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                      accepted.incrementAndGet();
                      accept(channel);
                    }
                  })
              .bind("127.0.0.1", 0)
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "fault proxy to " + target + " could not bind a port on 127.0.0.1: " + e, e);
    }
  }

  /**
   * The port the proxy listens on, on {@code 127.0.0.1}.
   *
   * @since 0.1.0
   */
  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /**
   * The address the proxy listens on: {@code 127.0.0.1} and {@link #port()}.
   *
   * @since 0.1.0
   */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /**
   * The address the proxy forwards to.
   *
   * @since 0.1.0
   */
  public InetSocketAddress target() {
    return target;
  }

  /**
   * Forwards bytes both ways at once; the default. Lifts a blackhole: a side that closed meanwhile
   * now has its close passed on.
   *
   * @since 0.1.0
   */
  public void pass() {
    apply(FaultMode.PASS);
  }

  /**
   * Stops forwarding both ways but keeps both sockets of every connection open: no FIN, no RST.
   * Bytes that arrive meanwhile are read and discarded, as are bytes that were waiting to be
   * forwarded. New connections are accepted and connected to the target, but see no bytes either.
   * Lasts until another mode is set.
   *
   * @since 0.1.0
   */
  public void blackhole() {
    apply(FaultMode.BLACKHOLE);
  }

  /**
   * Resets every open connection on both sides: each socket is closed with {@code SO_LINGER} 0, so
   * the client and the target each receive an RST and no FIN. Bytes waiting in the proxy are
   * dropped. The mode does not change; later connections are served as before.
   *
   * @since 0.1.0
   */
  public void reset() {
    forEachConnection(ProxiedConnection::reset);
  }

  /**
   * Closes every open connection on both sides with a FIN, as a server or a NAT that ends the
   * connection in an orderly way. Bytes waiting in the proxy are dropped. The mode does not change;
   * later connections are served as before.
   *
   * @since 0.1.0
   */
  public void closeConnections() {
    forEachConnection(ProxiedConnection::closeBoth);
  }

  /**
   * Forwards each chunk read from either side {@code perChunk} after it arrived, in order. Until
   * more than 4 MiB wait in one direction, the sender is not slowed. Lasts until another mode is
   * set; bytes already waiting keep their schedule.
   *
   * @throws IllegalArgumentException if {@code perChunk} is negative
   * @since 0.1.0
   */
  public void delay(Duration perChunk) {
    Objects.requireNonNull(perChunk, "perChunk");
    if (perChunk.isNegative()) {
      throw new IllegalArgumentException("fault proxy delay must not be negative, was " + perChunk);
    }
    apply(new FaultMode.Delay(perChunk.toNanos()));
  }

  /**
   * Forwards at most {@code bytesPerSecond} in each direction of each connection, in slices of
   * about 20 ms, in order. The proxy holds at most 64 KiB per direction and then stops reading, so
   * the sender's writes slow down as over a slow link. Lasts until another mode is set.
   *
   * @throws IllegalArgumentException if {@code bytesPerSecond} is below 1
   * @since 0.1.0
   */
  public void throttle(long bytesPerSecond) {
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException(
          "fault proxy throttle must be at least 1 byte per second, was " + bytesPerSecond);
    }
    apply(new FaultMode.Throttle(bytesPerSecond));
  }

  /**
   * How many client connections the proxy has accepted since it started, whether or not they
   * reached the target.
   *
   * @since 0.1.0
   */
  public int accepted() {
    return accepted.get();
  }

  /**
   * How many proxied connections are open now: either side still open.
   *
   * @since 0.1.0
   */
  public int open() {
    return connections.size();
  }

  /**
   * Stops listening, closes every connection (FIN), releases every waiting byte and stops the
   * proxy's threads. Returns once they stopped. Idempotent.
   *
   * @since 0.1.0
   */
  @Override
  public void close() {
    listener.close().awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS);
    closeConnections();
    group.shutdownGracefully(0, AWAIT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  @Override
  public String toString() {
    return "FaultProxy[127.0.0.1:"
        + port()
        + " -> "
        + target
        + ", "
        + mode
        + ", accepted="
        + accepted()
        + ", open="
        + open()
        + "]";
  }

  FaultMode mode() {
    return mode;
  }

  void removed(ProxiedConnection connection) {
    connections.remove(connection);
  }

  private void accept(SocketChannel channel) {
    ProxiedConnection connection = new ProxiedConnection(this, channel);
    connections.add(connection);
    connection.start(target);
  }

  private void apply(FaultMode next) {
    mode = next;
    forEachConnection(ProxiedConnection::modeChanged);
  }

  private void forEachConnection(Consumer<ProxiedConnection> action) {
    List<Future<?>> pending = new ArrayList<>();
    for (ProxiedConnection connection : connections) {
      if (connection.eventLoop().inEventLoop()) {
        action.accept(connection);
      } else if (!connection.eventLoop().isShuttingDown()) {
        pending.add(connection.eventLoop().submit(() -> action.accept(connection)));
      }
    }
    for (Future<?> future : pending) {
      future.awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
