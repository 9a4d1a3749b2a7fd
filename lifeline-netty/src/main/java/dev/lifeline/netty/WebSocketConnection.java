package dev.lifeline.netty;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.Frame;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.Transport;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.netty.Connection;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.context.Context;

/**
 * One established WebSocket connection of a {@link WebSocketTransport}, as the supervisor sees it.
 *
 * <p>Reactor Netty keeps close frames from the inbound frames: it answers the peer's close and
 * completes the frames. The peer's status is read from {@link
 * WebsocketInbound#receiveCloseStatus()} once the frames completed (a {@code Sinks.One}, which
 * keeps the status for a late subscriber, raced with the channel's termination) and emitted as a
 * {@link Frame.Close} after the last frame, unless the peer sent no status (1005) or no close frame
 * at all (1006): then the inbound frames just complete. Without demand at that point the frames
 * complete at once and the status is kept for {@link #peerClose()}. When this side closed first,
 * the peer's answer ends the frames at once: completion for 1000 or 1001, {@link
 * ConnectionClosedException} for an error status.
 *
 * <p><b>Threads.</b> Frames, their end and protocol violations arrive on the channel's event loop;
 * {@code close}, {@code dispose} and the inbound demand come from the supervisor's thread. What
 * both sides touch is shared on purpose, each field saying which side writes it: the flags {@code
 * closedHere}, {@code failure} and {@code violation} (written once, read where the frames end),
 * {@code closeWritten} (one compare-and-set, so the close frame is written once however often
 * {@code close()} is called), and in {@link InboundFrames} the demand counter (decremented per
 * frame on the loop, instead of a task hopping there per request) and the trailing close frame,
 * emitted once by whichever side sees demand. The byte counts have one writer each and are read for
 * monitoring only.
 */
final class WebSocketConnection extends ChannelInboundHandlerAdapter
    implements Transport.Connection {
  private static final long CLOSE_TIMEOUT_SECONDS = 5;

  /** How long {@link #close(Frame.Close)} waits for the peer to answer its close frame. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(CLOSE_TIMEOUT_SECONDS);

  private static final Frame.Close NORMAL_CLOSURE = Frame.close(1000, "");

  private static final String HANDLER_NAME = "lifeline.violations";
  private static final String ACTIVITY_HANDLER_NAME = "lifeline.bytes-received";
  private static final int NO_STATUS = 1005;
  private static final int ABNORMAL_CLOSURE = 1006;
  private static final int INVALID_PAYLOAD = 1007;
  private static final int MESSAGE_TOO_BIG = 1009;

  private static final AtomicIntegerFieldUpdater<WebSocketConnection> CLOSE_WRITTEN =
      AtomicIntegerFieldUpdater.newUpdater(WebSocketConnection.class, "closeWritten");
  private static final VarHandle BYTES_RECEIVED;
  private static final VarHandle BYTES_SENT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      BYTES_RECEIVED = lookup.findVarHandle(WebSocketConnection.class, "bytesReceived", long.class);
      BYTES_SENT = lookup.findVarHandle(WebSocketConnection.class, "bytesSent", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final URI uri;
  private final WebsocketInbound in;
  private final WebsocketOutbound out;
  private final Connection connection;
  private final int maxFramePayloadLength;
  private volatile boolean closedHere;

  /** The peer's close frame, when the frames completed without it for lack of demand. */
  private volatile Frame.@Nullable Close peerClose;

  /** 1 once this side wrote its close frame: a second close() only waits for the same end. */
  @SuppressWarnings("unused") // accessed through CLOSE_WRITTEN
  private volatile int closeWritten;

  private volatile Throwable failure;
  private volatile Throwable violation;

  /**
   * Payload bytes of the data frames read (written on the event loop only) and written (by {@link
   * #encode(Frame)}, which the outbound publisher's serial {@code onNext} calls): one writer each,
   * opaque stores, read by any thread for monitoring.
   */
  private long bytesReceived;

  private long bytesSent;

  /** What the server selected, as read off its response; null: ask Reactor Netty. */
  private final String selectedSubprotocol;

  WebSocketConnection(
      URI uri,
      WebsocketInbound in,
      WebsocketOutbound out,
      int maxFramePayloadLength,
      String selectedSubprotocol) {
    this.uri = uri;
    this.selectedSubprotocol = selectedSubprotocol;
    this.in = in;
    this.out = out;
    this.maxFramePayloadLength = maxFramePayloadLength;
    AtomicReference<Connection> holder = new AtomicReference<>();
    in.withConnection(holder::set);
    this.connection = holder.get();
    // before any frame is read: fragments of one message arrive as one frame
    in.aggregateFrames(maxFramePayloadLength);
    connection.addHandlerLast(HANDLER_NAME, this);
  }

  @Override
  public Frame.@Nullable Close peerClose() {
    return peerClose;
  }

  @Override
  public long bytesReceived() {
    return (long) BYTES_RECEIVED.getOpaque(this);
  }

  @Override
  public long bytesSent() {
    return (long) BYTES_SENT.getOpaque(this);
  }

  /** {@code frame} as Netty writes it, its payload counted in {@link #bytesSent()}. */
  WebSocketFrame encode(Frame frame) {
    WebSocketFrame encoded = NettyFrames.toNetty(frame);
    if (frame instanceof Frame.Text || frame instanceof Frame.Binary) {
      BYTES_SENT.setOpaque(this, bytesSent + encoded.content().readableBytes());
    }
    return encoded;
  }

  /** Whether the channel is still registered with its event loop; false once closed and gone. */
  boolean registered() {
    return connection.channel().isRegistered();
  }

  /** What the server selected in its handshake response; empty when none. */
  @Override
  public String subprotocol() {
    String selected = selectedSubprotocol != null ? selectedSubprotocol : in.selectedSubprotocol();
    return selected == null ? "" : selected;
  }

  /** First in the pipeline, so that it sees every read before TLS and WebSocket decoding. */
  @Override
  public boolean onBytesReceived(Runnable listener) {
    connection.channel().pipeline().addFirst(ACTIVITY_HANDLER_NAME, new BytesReceived(listener));
    return true;
  }

  /** Runs a listener for every read of the channel; passes the bytes on untouched. */
  private static final class BytesReceived extends ChannelInboundHandlerAdapter {
    private final Runnable listener;

    BytesReceived(Runnable listener) {
      this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      listener.run();
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * The peer's frames, each converted and its buffer released at once, then the peer's close frame
   * if it sent a status, then completion; see {@link InboundFrames}.
   */
  @Override
  public Flux<Frame> inbound() {
    return new Flux<>() {
      @Override
      public void subscribe(CoreSubscriber<? super Frame> actual) {
        // receiveObject(), not receiveFrames(): the type check is InboundFrames' own, without
        // receiveFrames()'s filter and cast operators
        in.receiveObject().subscribe(new InboundFrames(actual));
      }
    };
  }

  /**
   * The closing handshake (RFC 6455 7.1.2): writes {@code frame} without closing, keeps reading
   * until the peer's close frame ends the connection, so frames the peer sent before it still
   * arrive, and closes the channel itself after {@value #CLOSE_TIMEOUT_SECONDS} s at the latest.
   * Reactor Netty's {@code sendClose} would close at once and discard what is still inbound.
   */
  @Override
  public Mono<Void> close(Frame.Close frame) {
    return Mono.defer(
            () -> {
              closedHere = true;
              Channel channel = connection.channel();
              if (!channel.isActive()) {
                return Mono.<Void>empty();
              }
              if (!CLOSE_WRITTEN.compareAndSet(this, 0, 1)) {
                return connection.onDispose();
              }
              return Mono.<Void>create(
                      sink ->
                          channel
                              .writeAndFlush(new CloseWebSocketFrame(frame.code(), frame.reason()))
                              .addListener(
                                  written -> {
                                    if (written.isSuccess()) {
                                      sink.success();
                                    } else {
                                      sink.error(written.cause());
                                    }
                                  }))
                  .then(connection.onDispose());
            })
        .timeout(CLOSE_TIMEOUT, Mono.empty())
        .onErrorResume(e -> Mono.empty())
        .doFinally(signal -> dispose())
        .then(connection.onDispose());
  }

  @Override
  public void dispose() {
    closedHere = true;
    // not connection.dispose(): Reactor Netty would send a close frame first
    connection.channel().close();
  }

  /**
   * Notes a protocol violation before Reactor Netty sees it: Netty closes the channel as it raises
   * one, and Reactor Netty may complete the inbound frames before the error reaches them.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException
        || cause instanceof TooLongFrameException) {
      if (violation == null) {
        violation = translate(cause);
      }
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public boolean isDisposed() {
    return connection.isDisposed();
  }

  /** The exchange with Reactor Netty failed after the handshake, for instance a write. */
  void failed(Throwable error) {
    failure = error;
  }

  @Override
  public String toString() {
    return "WebSocketConnection[" + uri + ", " + connection.channel() + "]";
  }

  /** How the frames end, once they completed: an error, or a close frame to emit, or null. */
  private Throwable endError() {
    if (violation != null) {
      return violation;
    }
    Throwable error = failure;
    return error != null && !closedHere ? translate(error) : null;
  }

  /** The peer's close frame for {@code status}, or null if it has none to show. */
  private static Frame.Close closeFrame(WebSocketCloseStatus status) {
    int code = status.code();
    if (code < 1000 || code > 4999 || code == NO_STATUS || code == ABNORMAL_CLOSURE) {
      return null;
    }
    String reason = status.reasonText() == null ? "" : status.reasonText();
    try {
      return Frame.close(code, reason);
    } catch (IllegalArgumentException tooLong) {
      // the peer sent a reason over RFC 6455's 123 bytes; its status still counts
      return Frame.close(code, "");
    }
  }

  /** An inbound error as the supervisor sees it: the violation Netty raised first, if any. */
  private Throwable mapped(Throwable error) {
    return violation != null ? violation : translate(error);
  }

  private Throwable translate(Throwable error) {
    if (error instanceof ProtocolViolationException) {
      return error;
    }
    if (error instanceof CorruptedWebSocketFrameException corrupted) {
      int code = corrupted.closeStatus().code();
      if (code == MESSAGE_TOO_BIG) {
        return tooBig("a frame", error);
      }
      return new ProtocolViolationException(
          code,
          "the peer at "
              + uri
              + " broke the WebSocket protocol ("
              + error.getMessage()
              + "); closed the connection with status "
              + code,
          error);
    }
    if (error instanceof TooLongFrameException) {
      // the aggregator's limit: the message's fragments together exceed it; Netty did not close
      closedHere = true;
      out.sendClose(MESSAGE_TOO_BIG, "message too big").subscribe(null, e -> dispose());
      return tooBig("a message joined from fragments", error);
    }
    return error;
  }

  /**
   * Runs {@code task} in a later task of the channel's event loop; at once when the channel has
   * already left its event loop (closed and deregistered), since nothing more can be reported.
   */
  private void onEventLoop(Runnable task) {
    try {
      connection.channel().eventLoop().execute(task);
    } catch (IllegalStateException | RejectedExecutionException deregistered) {
      task.run();
    }
  }

  /** RFC 6455 section 8.1: a text frame that is not UTF-8 fails the connection with 1007. */
  private ProtocolViolationException invalidUtf8() {
    closedHere = true;
    // after this read: closing now would complete the inbound frames before the error is out
    onEventLoop(
        () -> out.sendClose(INVALID_PAYLOAD, "invalid UTF-8").subscribe(null, e -> dispose()));
    return new ProtocolViolationException(
        INVALID_PAYLOAD,
        "the peer at "
            + uri
            + " sent a text frame that is not valid UTF-8; closed the connection with status 1007"
            + " (invalid payload data)",
        null);
  }

  private ProtocolViolationException tooBig(String what, Throwable cause) {
    return new ProtocolViolationException(
        MESSAGE_TOO_BIG,
        what
            + " from "
            + uri
            + " exceeds the maximum payload length of "
            + maxFramePayloadLength
            + " bytes; sent close status 1009 (message too big) and closed the connection (the"
            + " peer may see a reset instead: the rest of the frame is not read). Raise"
            + " WebSocketTransport.maxFramePayloadLength(..) if the server may send such frames",
        cause);
  }

  /**
   * The subscriber of Reactor Netty's inbound objects and the subscription of {@link #inbound()}:
   * converts each frame in Reactor Netty's {@code onNext} (which releases the buffer as soon as it
   * returns), maps errors, and after completion decides how the frames end. One object per
   * connection, and one call per frame, instead of {@code handle}, {@code concatWith} and {@code
   * onErrorMap}.
   */
  private final class InboundFrames implements CoreSubscriber<Object>, Subscription {
    private static final AtomicLongFieldUpdater<InboundFrames> REQUESTED =
        AtomicLongFieldUpdater.newUpdater(InboundFrames.class, "requested");
    private static final AtomicReferenceFieldUpdater<InboundFrames, Frame.Close> LAST =
        AtomicReferenceFieldUpdater.newUpdater(InboundFrames.class, Frame.Close.class, "last");

    private final CoreSubscriber<? super Frame> actual;
    private Subscription upstream;
    private boolean done;
    private volatile boolean cancelled;

    /** Outstanding demand, for the close frame emitted after the upstream completed. */
    private volatile long requested;

    /** The close frame waiting for demand. */
    private volatile Frame.Close last;

    InboundFrames(CoreSubscriber<? super Frame> actual) {
      this.actual = actual;
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (Operators.validate(upstream, s)) {
        upstream = s;
        actual.onSubscribe(this);
      }
    }

    @Override
    public void onNext(Object received) {
      if (done) {
        // Reactor Netty releases the buffer when this returns
        return;
      }
      Frame frame;
      try {
        if (!(received instanceof WebSocketFrame webSocketFrame)) {
          frame = null;
        } else if (webSocketFrame instanceof TextWebSocketFrame
            && !ByteBufUtil.isText(webSocketFrame.content(), StandardCharsets.UTF_8)) {
          fail(invalidUtf8());
          return;
        } else {
          frame = NettyFrames.toFrame(webSocketFrame);
        }
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      if (frame == null) {
        upstream.request(1);
        return;
      }
      if (frame instanceof Frame.Text || frame instanceof Frame.Binary) {
        BYTES_RECEIVED.setOpaque(
            WebSocketConnection.this,
            bytesReceived + ((WebSocketFrame) received).content().readableBytes());
      }
      if (requested != Long.MAX_VALUE) {
        REQUESTED.decrementAndGet(this);
      }
      actual.onNext(frame);
    }

    @Override
    public void onError(Throwable error) {
      if (done) {
        Operators.onErrorDropped(error, actual.currentContext());
        return;
      }
      done = true;
      actual.onError(mapped(error));
    }

    @Override
    public void onComplete() {
      if (done) {
        return;
      }
      done = true;
      // Netty closes the channel inside its decoder and only then raises a protocol violation,
      // so the frames complete first: decide how they end in a later event loop task, by when
      // exceptionCaught has noted the violation
      onEventLoop(this::end);
    }

    @Override
    public void request(long n) {
      if (Operators.validate(n)) {
        Operators.addCap(REQUESTED, this, n);
        upstream.request(n);
        if (last != null) {
          emitLast();
        }
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      last = null;
      if (!closedHere) {
        // Reactor Netty answers a cancelled receiver with a close frame without status (the peer
        // sees 1005, not C1's 1000): write ours first, so that its frame goes out second, ignored
        close(NORMAL_CLOSURE).subscribe();
      }
      // Always a task on the channel's loop, so that it runs after our close frame's write even
      // when that write was queued from another thread while this cancel comes from the loop
      // (the application cancelled before Reactor Netty started the receiver). At once when the
      // channel has already left its loop: the peer's close completed first.
      onEventLoop(upstream::cancel);
    }

    private void fail(Throwable error) {
      done = true;
      upstream.cancel();
      actual.onError(mapped(error));
    }

    private void end() {
      if (cancelled) {
        return;
      }
      Throwable error = endError();
      if (error != null) {
        actual.onError(error);
        return;
      }
      // subscribed only now, so that an open connection keeps no subscription for it; empty
      // when the channel terminated without a close status
      in.receiveCloseStatus()
          .defaultIfEmpty(WebSocketCloseStatus.ABNORMAL_CLOSURE)
          .subscribe(
              closedHere ? this::answerToOurClose : this::closeStatus, e -> actual.onComplete());
    }

    /**
     * This side closed: the peer's answer ends the frames without waiting for demand. An error
     * status (its own close crossed ours: a frame it refused with 1008, say) ends them with {@link
     * ConnectionClosedException}, which the supervisor reports without reconnecting; the usual
     * answers (1000, 1001, none) complete them.
     */
    private void answerToOurClose(WebSocketCloseStatus status) {
      Frame.Close close = closeFrame(status);
      if (close == null || close.code() == 1000 || close.code() == 1001) {
        actual.onComplete();
        return;
      }
      actual.onError(new ConnectionClosedException(close.code(), close.reason()));
    }

    /**
     * The peer closed: its close frame is emitted if there is demand, otherwise the frames complete
     * at once and {@link #peerClose()} reports it, so that the supervisor learns of the end
     * whatever the application's backpressure.
     */
    private void closeStatus(WebSocketCloseStatus status) {
      Frame.Close close = closeFrame(status);
      if (close == null) {
        actual.onComplete();
        return;
      }
      last = close;
      if (requested > 0) {
        emitLast();
      } else if (!cancelled && LAST.compareAndSet(this, close, null)) {
        // a request racing this completion loses the CAS and emits nothing: one end, once
        peerClose = close;
        actual.onComplete();
      }
    }

    /** Emits the waiting close frame and completes, once, from whichever thread sees demand. */
    private void emitLast() {
      Frame.Close close = last;
      if (close != null && !cancelled && LAST.compareAndSet(this, close, null)) {
        actual.onNext(close);
        actual.onComplete();
      }
    }
  }
}
