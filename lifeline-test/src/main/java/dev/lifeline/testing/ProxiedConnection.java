package dev.lifeline.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection through a {@link FaultProxy} and its connection to the target: two {@link
 * Direction}s, client to server and back. Both channels share one event loop, so every field here
 * is touched by that loop's thread only; {@link FaultProxy} reaches in through {@link
 * #eventLoop()}.
 */
final class ProxiedConnection {

  /** Queued after the last chunk when a side closed: close the other side once it is reached. */
  private static final Object END = new Object();

  /** Bytes a direction queues in throttle mode before it stops reading (TCP back-pressure). */
  private static final long THROTTLE_QUEUE_LIMIT = 64 * 1024;

  /** Bytes a direction queues in delay mode before it stops reading. */
  private static final long DELAY_QUEUE_LIMIT = 4 * 1024 * 1024;

  private final FaultProxy proxy;
  private final Channel client;
  private final EventLoop loop;
  private final Direction up = new Direction();
  private final Direction down = new Direction();
  private Channel server;
  private boolean connecting = true;
  private boolean removed;

  ProxiedConnection(FaultProxy proxy, Channel client) {
    this.proxy = proxy;
    this.client = client;
    this.loop = client.eventLoop(); // kept: a deregistered channel no longer names its loop
    up.source = client;
    down.dest = client;
  }

  EventLoop eventLoop() {
    return loop;
  }

  /** Registers the client side and connects to {@code target}; on the event loop. */
  void start(InetSocketAddress target) {
    client.pipeline().addLast("fault-proxy", up);
    new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(down)
        .connect(target)
        .addListener((ChannelFuture connected) -> connected(connected));
  }

  private void connected(ChannelFuture connected) {
    connecting = false;
    if (!connected.isSuccess()) {
      // the target refused: pass that on as a reset, as a refused port would
      abort(client);
      maybeRemove();
      return;
    }
    server = connected.channel();
    up.dest = server;
    down.source = server;
    if (!client.isActive()) {
      server.close();
      return;
    }
    up.pump();
    down.pump();
  }

  void modeChanged() {
    up.modeChanged();
    down.modeChanged();
  }

  /** Resets both sides: SO_LINGER 0, then close, so each peer gets an RST and no FIN. */
  void reset() {
    up.discard();
    down.discard();
    abort(client);
    if (server != null) {
      abort(server);
    }
  }

  /** Closes both sides with a FIN; bytes still waiting in the proxy are dropped. */
  void closeBoth() {
    up.discard();
    down.discard();
    client.close();
    if (server != null) {
      server.close();
    }
  }

  private static void abort(Channel channel) {
    if (channel.isOpen()) {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      channel.close();
    }
  }

  private void maybeRemove() {
    boolean serverGone = server == null ? !connecting : !server.isOpen();
    if (!removed && !client.isOpen() && serverGone) {
      removed = true;
      proxy.removed(this);
    }
  }

  /**
   * Bytes flowing one way. It is the handler of its source channel, and writes to its dest. Chunks
   * wait in an ordered queue whenever they cannot go at once (delay, throttle, back-pressure), so a
   * mode change never reorders bytes.
   */
  private final class Direction extends ChannelInboundHandlerAdapter {
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    Channel source;
    Channel dest;
    private long queuedBytes;
    private long nextFree = System.nanoTime();
    private ScheduledFuture<?> timer;

    private Direction other() {
      return this == up ? down : up;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      FaultMode mode = proxy.mode();
      if (mode instanceof FaultMode.Blackhole || dest == null || !dest.isActive()) {
        buf.release();
        updateAutoRead(mode);
        return;
      }
      if (mode instanceof FaultMode.Pass && queue.isEmpty() && dest.isWritable()) {
        dest.writeAndFlush(buf, dest.voidPromise());
        updateAutoRead(mode);
        return;
      }
      long due = System.nanoTime() + (mode instanceof FaultMode.Delay delay ? delay.nanos() : 0);
      queue.add(new Chunk(buf, due));
      queuedBytes += buf.readableBytes();
      pump();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      // our source is the other direction's destination
      other().pump();
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      // nothing more can reach our source, so the other direction drops what waits for it
      other().discard();
      queue.add(END);
      pump();
      maybeRemove();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // an I/O error on one side (a reset, usually) closes that side; the other gets a FIN
      ctx.close();
    }

    void modeChanged() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
      nextFree = System.nanoTime();
      pump();
    }

    /** Drops every waiting chunk; the destination is gone or being torn down. */
    void discard() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
      for (Object item : queue) {
        if (item instanceof Chunk chunk) {
          chunk.buf.release();
        }
      }
      queue.clear();
      queuedBytes = 0;
    }

    void pump() {
      if (dest == null) {
        return;
      }
      if (!dest.isActive()) {
        discard();
        return;
      }
      FaultMode mode = proxy.mode();
      long now = System.nanoTime();
      boolean wrote = false;
      while (!queue.isEmpty()) {
        Object head = queue.peek();
        if (head == END) {
          if (mode instanceof FaultMode.Blackhole) {
            break; // an unplugged cable carries no FIN either; it goes once the cable is back
          }
          queue.poll();
          dest.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
          return;
        }
        Chunk chunk = (Chunk) head;
        if (mode instanceof FaultMode.Blackhole) {
          queue.poll();
          queuedBytes -= chunk.buf.readableBytes();
          chunk.buf.release();
          continue;
        }
        if (!dest.isWritable()) {
          break; // resumed by channelWritabilityChanged
        }
        if (chunk.due - now > 0) {
          schedule(chunk.due - now);
          break;
        }
        if (mode instanceof FaultMode.Throttle throttle) {
          if (nextFree - now > 0) {
            schedule(nextFree - now);
            break;
          }
          int length = Math.min(chunk.buf.readableBytes(), slice(throttle.bytesPerSecond()));
          dest.write(chunk.buf.readRetainedSlice(length), dest.voidPromise());
          wrote = true;
          queuedBytes -= length;
          nextFree = now + length * 1_000_000_000L / throttle.bytesPerSecond();
          if (!chunk.buf.isReadable()) {
            queue.poll();
            chunk.buf.release();
          }
        } else {
          queue.poll();
          queuedBytes -= chunk.buf.readableBytes();
          dest.write(chunk.buf, dest.voidPromise());
          wrote = true;
        }
      }
      if (wrote) {
        dest.flush();
      }
      updateAutoRead(mode);
    }

    private void schedule(long delayNanos) {
      if (timer == null) {
        timer =
            dest.eventLoop()
                .schedule(
                    () -> {
                      timer = null;
                      pump();
                    },
                    delayNanos,
                    TimeUnit.NANOSECONDS);
      }
    }

    private void updateAutoRead(FaultMode mode) {
      if (source == null || dest == null) {
        return;
      }
      long limit = mode instanceof FaultMode.Throttle ? THROTTLE_QUEUE_LIMIT : DELAY_QUEUE_LIMIT;
      boolean read =
          mode instanceof FaultMode.Blackhole || (dest.isWritable() && queuedBytes < limit);
      if (source.config().isAutoRead() != read) {
        source.config().setAutoRead(read);
      }
    }

    /** About 20 ms worth of bytes, so a throttled stream flows smoothly rather than in bursts. */
    private static int slice(long bytesPerSecond) {
      return (int) Math.max(1, Math.min(16 * 1024, bytesPerSecond / 50));
    }
  }

  private record Chunk(ByteBuf buf, long due) {}
}
