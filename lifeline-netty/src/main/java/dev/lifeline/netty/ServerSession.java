package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.internal.ResumeMessages;
import dev.lifeline.internal.SuspendDetector;
import dev.lifeline.internal.Watchdog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.concurrent.Queues;

/**
 * One client connection under a {@link ServerSupervisor}'s watch.
 *
 * <p>It sits in the channel pipeline just before Reactor Netty's bridge, so it sees every frame the
 * client sends — pings and close frames included — before Reactor Netty does. Per frame it writes
 * the time in one field; data frames are copied into {@link Frame}s and their buffers released
 * here, heartbeats answered here, and only the application's frames go on to {@link #inbound()}.
 *
 * <p>Reactor Netty stops reading the socket as soon as its reader has no demand, and then nothing
 * is answered. So the session itself reads with unbounded demand from the start and holds the
 * application's frames in its own queue, fed to {@link #inbound()} on demand; only when {@value
 * #INBOUND_BUFFER} frames wait there does it stop reading (TCP backpressure to the client), and it
 * reads again once the application has taken them down to {@value #RESUME_AT}. While it does not
 * read, the client is not judged idle: a stalled reader cannot tell silence from its own backlog.
 * With resume, the frames skip that queue and Reactor Netty's bridge: each goes from {@link
 * #channelRead} straight to the session's {@link SessionAttachment}, which pauses the reading when
 * its read-ahead is used up; the bridge only reports the end.
 *
 * <p><b>Confined</b> to the channel's event loop (Netty's way): the {@link Watchdog} that applies
 * the heartbeat or idle limit, the pause state and the end run there, the timer hopping onto the
 * loop. Three fields are shared with other threads, each for a reason: {@code buffered},
 * decremented where the application takes its frames (an atomic count instead of a task per frame);
 * {@code violation}, read where the application's inbound stream ends; and the frames' sink, a
 * unicast sink the application drains.
 */
final class ServerSession extends ChannelDuplexHandler implements ServerConnection {
  private static final String HANDLER_NAME = "lifeline.serverSession";
  private static final int NORMAL_CLOSURE = 1000;
  private static final int GOING_AWAY = 1001;
  private static final int MESSAGE_TOO_BIG = 1009;
  private static final int INTERNAL_ERROR = 1011;
  private static final Logger log = LoggerFactory.getLogger("dev.lifeline.server");
  static final int INBOUND_BUFFER = 256;
  private static final int RESUME_AT = INBOUND_BUFFER / 2;

  private final ServerSupervisor supervisor;
  private final WebsocketInbound in;
  private final WebsocketOutbound out;
  private final Connection connection;
  private final Heartbeat heartbeat;

  /** The heartbeat this side sends the client, or null: the idle limit applies. */
  private final Heartbeat pings;

  private final Scheduler scheduler;
  private final long idleNanos;
  private final String id;
  private final SocketAddress remoteAddress;
  private final EventLoop loop;
  private final Liveness liveness = new Liveness();
  private final Watchdog watchdog;
  private final Sinks.Many<Frame> frames =
      Sinks.many().unicast().onBackpressureBuffer(Queues.<Frame>unbounded().get());
  // frames handed to `frames` and not yet taken by the application; may exceed INBOUND_BUFFER by
  // the frames of the read that filled it
  private final AtomicInteger buffered = new AtomicInteger();
  // event loop only
  private boolean paused;
  private boolean discarding;
  private boolean ended;
  private boolean closing;
  private Disposable closeTimer;
  private Disposable suspensions; // event loop only
  private WebSocketCloseStatus closeStatus;
  private boolean closedByClient; // event loop only
  private volatile Throwable violation;

  /**
   * With {@code lifeline.resume.v1}, where every data frame and resume message read goes (every
   * text and binary frame is then data: no text heartbeat is answered); null without resume.
   */
  private final SessionAttachment reader;

  /**
   * A connection whose application is {@code application} once per resume session when {@code
   * sessions} is not null, otherwise the caller's to serve.
   */
  ServerSession(
      ServerSupervisor supervisor,
      WebsocketInbound in,
      WebsocketOutbound out,
      ResumeSessions sessions,
      Function<ServerConnection, Publisher<Void>> application) {
    this.supervisor = supervisor;
    this.reader = sessions == null ? null : new SessionAttachment(this, sessions, application);
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
    this.loop = connection.channel().eventLoop();
    this.pings = supervisor.pings();
    this.watchdog =
        pings == null
            ? new Watchdog(
                scheduler,
                loop,
                liveness,
                null,
                supervisor.idleTimeout(),
                supervisor.idleTimeout(),
                liveness)
            : new Watchdog(
                scheduler, loop, liveness, pings, pings.interval(), pings.timeout(), liveness);
    in.aggregateFrames(supervisor.maxMessageLength());
    connection.addHandlerLast(HANDLER_NAME, this);
    in.receiveCloseStatus()
        .subscribe(
            status ->
                onLoop(
                    () -> {
                      if (closeStatus == null) {
                        closeStatus = status;
                        // the client's application closed first, with a normal closure
                        closedByClient = !closing && status.code() == NORMAL_CLOSURE;
                      }
                    }),
            e -> {});
    // unbounded: Reactor Netty then leaves the reading to us (see the class comment). The
    // terminal results are ignored: the bridge terminates once, on the event loop, after its last
    // frame, so only OK or (the application cancelled) FAIL_CANCELLED can come back
    if (reader != null) {
      // the frames go straight to the session's attachment (channelRead); Reactor Netty's bridge
      // only says when the connection's reading ended
      in.receiveObject()
          .subscribe(
              this::received,
              e -> onLoop(() -> reader.ended(false)),
              () -> onLoop(() -> reader.ended(closedByClient)));
    } else {
      in.receiveObject().subscribe(this::received, frames::tryEmitError, frames::tryEmitComplete);
    }
    supervisor.opened(this, new ServerEvent.ClientConnected(supervisor.now(), id, remoteAddress));
    connection.onDispose(() -> onLoop(this::ended));
    onLoop(this::startWatching);
  }

  /**
   * On the event loop: the watchdog starts, and after a suspend or pause of this process it pings
   * at once (or restarts the idle count), never a death by the pause itself; unwatched at the end.
   */
  private void startWatching() {
    if (ended) {
      return;
    }
    watchdog.start();
    suspensions = SuspendDetector.shared().watch(scheduler, () -> onLoop(this::probe));
  }

  /** On the event loop: the process was suspended. */
  private void probe() {
    if (!ended && !closing) {
      watchdog.probe();
    }
  }

  void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      loop.execute(task);
    }
  }

  @Override
  public String id() {
    return id;
  }

  /**
   * On the event loop: whether the client ended this connection with its own close frame, status
   * 1000 (its application closed), before this side started a close.
   */
  boolean closedByClient() {
    return closedByClient;
  }

  /** Completes when this physical connection is closed. */
  Mono<Void> onClose() {
    return connection.onDispose();
  }

  /** Closes this physical connection at once, without a close frame. */
  void dispose() {
    connection.dispose();
  }

  @Override
  public SocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public Flux<Frame> inbound() {
    return frames
        .asFlux()
        .doOnNext(frame -> taken())
        .doOnCancel(() -> loop.execute(this::discardFromNowOn))
        // a violation is raised after Netty closed the channel, so after these frames completed:
        // look for it in a later event loop task
        .concatWith(
            Mono.defer(() -> violation == null ? Mono.<Frame>empty() : Mono.error(violation))
                .subscribeOn(Schedulers.fromExecutor(loop)))
        .onErrorMap(error -> violation != null ? violation : error);
  }

  @Override
  public Mono<Void> send(Publisher<Frame> frames) {
    return out.sendObject(withoutClose(frames).map(NettyFrames::toNetty)).then();
  }

  /** {@code frames}, failing at a close frame: a server connection closes with close(code, ..). */
  static Flux<Frame> withoutClose(Publisher<Frame> frames) {
    return Flux.from(frames)
        .map(
            frame -> {
              if (frame instanceof Frame.Close) {
                throw new IllegalArgumentException(
                    "close frames are not sent with send(); call close(code, reason)");
              }
              return frame;
            });
  }

  /**
   * The closing handshake, server first (RFC 6455 7.1.1): writes the close frame, keeps reading
   * until the client's close frame arrives, then closes TCP, so the client sees a clean close; a
   * client that does not answer within the {@linkplain ServerSupervisor.Builder#closeTimeout close
   * timeout} is closed then. Completes when the connection is closed. Idempotent.
   */
  @Override
  public Mono<Void> close(int code, String reason) {
    return Mono.defer(
        () -> {
          Frame.Close frame = Frame.close(code, reason);
          onLoop(() -> startClose(frame));
          return connection.onDispose();
        });
  }

  /** On the event loop. */
  private void startClose(Frame.Close frame) {
    Channel channel = connection.channel();
    if (closing || ended || !channel.isActive()) {
      return;
    }
    closing = true;
    if (closeStatus == null) {
      closeStatus = new WebSocketCloseStatus(frame.code(), frame.reason());
    }
    // Written past Reactor Netty, whose sendClose closes TCP as soon as the frame is written: the
    // client's answer would then meet a closed socket and a reset.
    ChannelFuture written =
        channel
            .writeAndFlush(new CloseWebSocketFrame(frame.code(), frame.reason()))
            .addListener(
                done -> {
                  if (!done.isSuccess()) {
                    channel.close();
                  }
                });
    try {
      closeTimer =
          scheduler.schedule(
              () -> onLoop(channel::close),
              supervisor.closeTimeout().toNanos(),
              TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException refused) {
      // no timer to bound the wait for the client's answer: close TCP once the frame is out
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    watchdog.stamp();
    if (closing && msg instanceof CloseWebSocketFrame) {
      // the client's answer to our close: the handshake is complete, TCP can close (the server
      // closes first, RFC 6455 7.1.1); Reactor Netty would answer it with a second close frame
      ReferenceCountUtil.release(msg);
      ctx.channel().close();
      return;
    }
    if (!(msg instanceof TextWebSocketFrame
        || msg instanceof BinaryWebSocketFrame
        || msg instanceof PongWebSocketFrame)) {
      // pings, close and anything else: Reactor Netty's to answer
      ctx.fireChannelRead(msg);
      return;
    }
    Frame frame;
    int size; // the payload's bytes, text as UTF-8: what resume's byte bounds count
    try {
      size = ((WebSocketFrame) msg).content().readableBytes();
      frame = NettyFrames.toFrame((WebSocketFrame) msg);
    } finally {
      ReferenceCountUtil.release(msg);
    }
    if (frame instanceof Frame.Pong && !(reader != null && ResumeMessages.isControl(frame))) {
      // a pong, not a resume message: heartbeat traffic, the answer to our ping if one waits
      if (watchdog.awaitingAnswer()) {
        watchdog.answered();
      }
      return;
    }
    if (reader != null) {
      reader.frame(frame, size);
      return;
    }
    if (pings != null && watchdog.awaitingAnswer() && pings.isPong(frame)) {
      watchdog.answered(); // the answer of our own text dialect: heartbeat traffic
      return;
    }
    Optional<Frame> answer = heartbeat.answer(frame);
    if (answer.isPresent()) {
      ctx.writeAndFlush(NettyFrames.toNetty(answer.get()));
    } else {
      ctx.fireChannelRead(frame);
    }
  }

  /**
   * Once this side wrote its close frame no data frame may follow it (RFC 6455 5.5.1): frames the
   * application still writes then (an echo of what the client sent before it saw our close) are
   * dropped here, and the write reports success as the connection is going away anyway.
   */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (closing && msg instanceof WebSocketFrame && !(msg instanceof CloseWebSocketFrame)) {
      ReferenceCountUtil.release(msg);
      promise.setSuccess();
      return;
    }
    ctx.write(msg, promise);
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

  /** On the event loop: stops reading the socket (TCP backpressure) until resumed. */
  void pauseReading() {
    if (!paused) {
      paused = true;
      connection.channel().config().setAutoRead(false);
    }
  }

  /** On the event loop: reads again after {@link #pauseReading}. */
  void resumeReading() {
    if (paused) {
      paused = false;
      // silence while not reading was not observed: count it from now
      watchdog.stamp();
      connection.channel().config().setAutoRead(true);
    }
  }

  /** On the event loop: a frame from Reactor Netty's bridge, after {@link #channelRead}. */
  private void received(Object received) {
    if (!(received instanceof Frame frame) || discarding) {
      return;
    }
    buffered.incrementAndGet();
    // Results considered: OK; FAIL_CANCELLED (the application cancelled inbound(): the frame is
    // dropped, as discardFromNowOn will drop the next ones). FAIL_OVERFLOW cannot happen (unbounded
    // queue, bounded by pausing), nor FAIL_NON_SERIALIZED (event loop only), nor FAIL_TERMINATED
    // (terminated by the same bridge after its last frame).
    if (frames.tryEmitNext(frame).isFailure()) {
      buffered.decrementAndGet();
    } else if (buffered.get() >= INBOUND_BUFFER) {
      pauseReading();
    }
  }

  /** On the application's thread: it took one frame from {@link #inbound()}. */
  private void taken() {
    // crossing RESUME_AT downwards: every pause is followed by such a crossing while the
    // application reads
    if (buffered.decrementAndGet() == RESUME_AT) {
      loop.execute(this::resume);
    }
  }

  private void discardFromNowOn() {
    discarding = true;
    resume();
  }

  /** On the event loop. */
  private void resume() {
    if (discarding || buffered.get() < INBOUND_BUFFER) {
      resumeReading();
    }
  }

  /** The watchdog's owner: sends the heartbeat, reports answers, closes a dead or idle client. */
  private final class Liveness implements Watchdog.Owner, Runnable {
    /** On the event loop: the liveness timer fired. */
    @Override
    public void run() {
      watchdog.tick();
    }

    /** On the event loop: our heartbeat goes, past the application's frames and the close check. */
    @Override
    public void sendHeartbeat(long sequence, Frame ping) {
      if (!ended && !closing) {
        connection.channel().writeAndFlush(NettyFrames.toNetty(ping));
      }
    }

    @Override
    public void heartbeatAnswered(long sequence, Duration roundTrip) {
      supervisor.emit(
          new ServerEvent.ClientHeartbeatAnswered(
              supervisor.now(), id, remoteAddress, sequence, roundTrip));
    }

    @Override
    public boolean reading() {
      // the application is not reading, so neither is the socket: a stalled reader is not judged
      return connection.channel().config().isAutoRead();
    }

    @Override
    public void dead(long sequence, long answered, int unanswered, Duration silence) {
      if (ended) {
        return;
      }
      String reason;
      if (pings == null) {
        supervisor.emit(
            new ServerEvent.ClientIdleClosed(supervisor.now(), id, remoteAddress, silence));
        reason =
            "idle: no frame for "
                + silence.toMillis()
                + " ms (limit "
                + TimeUnit.NANOSECONDS.toMillis(idleNanos)
                + " ms)";
      } else {
        supervisor.emit(
            new ServerEvent.ClientDead(
                supervisor.now(), id, remoteAddress, sequence, unanswered, silence));
        reason =
            "no answer to "
                + (unanswered == 1 ? "heartbeat #" + sequence : unanswered + " heartbeats")
                + " within "
                + pings.timeout().toMillis()
                + " ms";
      }
      close(GOING_AWAY, reason).subscribe(null, e -> connection.dispose());
    }

    /** On the event loop: a connection no heartbeat watches could stay open for a dead client. */
    @Override
    public void unwatchable(RejectedExecutionException refused) {
      if (ended) {
        return;
      }
      log.error(
          "client {} ({}): the timer scheduler {} refused the liveness timer ({}); the connection"
              + " is closed (1011), since a dead client would go unnoticed. Give"
              + " ServerSupervisor.Builder.scheduler(..) a scheduler that is not disposed while the"
              + " server runs",
          id,
          remoteAddress,
          scheduler,
          refused.getMessage());
      startClose(Frame.close(INTERNAL_ERROR, "server timers unavailable"));
    }
  }

  private void ended() {
    if (ended) {
      return;
    }
    ended = true;
    watchdog.stop();
    if (suspensions != null) {
      suspensions.dispose();
      suspensions = null;
    }
    if (closeTimer != null) {
      closeTimer.dispose();
    }
    WebSocketCloseStatus status = closeStatus;
    int code = status == null || status.code() < 0 ? 1006 : status.code();
    String reason = status == null || status.reasonText() == null ? "" : status.reasonText();
    supervisor.closed(
        this, new ServerEvent.ClientClosed(supervisor.now(), id, remoteAddress, code, reason));
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
