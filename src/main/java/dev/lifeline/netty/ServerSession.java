package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.ProtocolViolationException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One client connection under a {@link ServerSupervisor}'s watch.
 *
 * <p>It sits in the channel pipeline just before Reactor Netty's bridge, so it sees every frame the
 * client sends — pings and close frames included — before Reactor Netty does, whether or not the
 * application reads. Per frame it writes the time in one field; data frames are copied into {@link
 * Frame}s and their buffers released here, heartbeats answered here, and only the application's
 * frames go on to {@link #inbound()}.
 */
final class ServerSession extends ChannelInboundHandlerAdapter implements ServerConnection {
  private static final String HANDLER_NAME = "lifeline.serverSession";
  private static final int GOING_AWAY = 1001;
  private static final int MESSAGE_TOO_BIG = 1009;

  private final ServerSupervisor supervisor;
  private final WebsocketInbound in;
  private final WebsocketOutbound out;
  private final Connection connection;
  private final Heartbeat heartbeat;
  private final Scheduler scheduler;
  private final long idleNanos;
  private final String id;
  private final SocketAddress remoteAddress;
  private final Disposable.Swap timer = Disposables.swap();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile long lastInbound;
  private volatile WebSocketCloseStatus closeStatus;
  private volatile Throwable violation;

  ServerSession(ServerSupervisor supervisor, WebsocketInbound in, WebsocketOutbound out) {
    this.supervisor = supervisor;
    this.in = in;
    this.out = out;
    this.heartbeat = supervisor.heartbeat();
    this.scheduler = supervisor.scheduler();
    this.idleNanos = supervisor.idleTimeout().toNanos();
    AtomicReference<Connection> holder = new AtomicReference<>();
    in.withConnection(holder::set);
    this.connection = holder.get();
    this.id = connection.channel().id().asShortText();
    this.remoteAddress = connection.channel().remoteAddress();
    this.lastInbound = scheduler.now(TimeUnit.NANOSECONDS);
    in.aggregateFrames(supervisor.maxMessageLength());
    connection.addHandlerLast(HANDLER_NAME, this);
    in.receiveCloseStatus().subscribe(status -> closeStatus = status, e -> {});
    supervisor.opened(new ServerEvent.ClientConnected(supervisor.now(), id, remoteAddress));
    connection.onDispose(this::ended);
    schedule(idleNanos);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public SocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public Flux<Frame> inbound() {
    return in.receiveObject()
        .<Frame>handle(
            (received, sink) -> {
              if (received instanceof Frame frame) {
                sink.next(frame);
              }
            })
        // a violation is raised after Netty closed the channel, so after these frames completed:
        // look for it in a later event loop task
        .concatWith(
            Mono.defer(() -> violation == null ? Mono.<Frame>empty() : Mono.error(violation))
                .subscribeOn(Schedulers.fromExecutor(connection.channel().eventLoop())))
        .onErrorMap(error -> violation != null ? violation : error);
  }

  @Override
  public Mono<Void> send(Publisher<Frame> frames) {
    return out.sendObject(
            Flux.from(frames)
                .map(
                    frame -> {
                      if (frame instanceof Frame.Close) {
                        throw new IllegalArgumentException(
                            "close frames are not sent with send(); call close(code, reason)");
                      }
                      return NettyFrames.toNetty(frame);
                    }))
        .then();
  }

  @Override
  public Mono<Void> close(int code, String reason) {
    return Mono.defer(
        () -> {
          Frame.Close frame = Frame.close(code, reason);
          return out.sendClose(frame.code(), frame.reason())
              .onErrorResume(e -> Mono.empty())
              .doFinally(signal -> connection.dispose())
              .then(connection.onDispose());
        });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastInbound = scheduler.now(TimeUnit.NANOSECONDS);
    if (!(msg instanceof TextWebSocketFrame
        || msg instanceof BinaryWebSocketFrame
        || msg instanceof PongWebSocketFrame)) {
      // pings, close and anything else: Reactor Netty's to answer
      ctx.fireChannelRead(msg);
      return;
    }
    Frame frame;
    try {
      frame = NettyFrames.toFrame((WebSocketFrame) msg);
    } finally {
      ReferenceCountUtil.release(msg);
    }
    Optional<Frame> answer = heartbeat.answer(frame);
    if (answer.isPresent()) {
      ctx.writeAndFlush(NettyFrames.toNetty(answer.get()));
    } else if (!(frame instanceof Frame.Pong)) {
      ctx.fireChannelRead(frame);
    }
  }

  /**
   * Notes a message over the limit or a protocol violation before Reactor Netty sees it (it may
   * complete the inbound frames first), and closes with 1009 for a message too big.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (violation == null) {
      if (cause instanceof TooLongFrameException) {
        violation = tooBig(cause);
      } else if (cause instanceof CorruptedWebSocketFrameException corrupted) {
        int code = corrupted.closeStatus().code();
        violation =
            new ProtocolViolationException(
                code,
                "client "
                    + remoteAddress
                    + " broke the WebSocket protocol ("
                    + cause.getMessage()
                    + "); closed the connection with status "
                    + code,
                cause);
      }
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public String toString() {
    return "ServerConnection[" + id + ", " + remoteAddress + "]";
  }

  private void schedule(long delayNanos) {
    timer.update(scheduler.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS));
  }

  private void checkIdle() {
    if (ended.get()) {
      return;
    }
    long silent = scheduler.now(TimeUnit.NANOSECONDS) - lastInbound;
    if (silent < idleNanos) {
      schedule(idleNanos - silent);
      return;
    }
    supervisor.emit(
        new ServerEvent.ClientIdleClosed(
            supervisor.now(), id, remoteAddress, Duration.ofNanos(silent)));
    String reason =
        "idle: no frame for "
            + TimeUnit.NANOSECONDS.toMillis(silent)
            + " ms (limit "
            + TimeUnit.NANOSECONDS.toMillis(idleNanos)
            + " ms)";
    close(GOING_AWAY, reason).subscribe(null, e -> connection.dispose());
  }

  private void ended() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    timer.dispose();
    WebSocketCloseStatus status = closeStatus;
    int code = status == null || status.code() < 0 ? 1006 : status.code();
    String reason = status == null || status.reasonText() == null ? "" : status.reasonText();
    supervisor.closed(
        new ServerEvent.ClientClosed(supervisor.now(), id, remoteAddress, code, reason));
  }

  private Throwable tooBig(Throwable cause) {
    close(MESSAGE_TOO_BIG, "message too big").subscribe(null, e -> connection.dispose());
    return new ProtocolViolationException(
        MESSAGE_TOO_BIG,
        "client "
            + remoteAddress
            + " sent a message over the limit of "
            + supervisor.maxMessageLength()
            + " bytes; closed the connection with status 1009 (message too big). Raise"
            + " ServerSupervisor.Builder.maxMessageLength(..) if clients may send such messages",
        cause);
  }
}
