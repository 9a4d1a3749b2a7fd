package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * One established WebSocket connection of a {@link WebSocketTransport}, as the supervisor sees it.
 *
 * <p>Reactor Netty keeps close frames from the inbound frames: it answers the peer's close and
 * completes the frames. The peer's status is read from {@link
 * WebsocketInbound#receiveCloseStatus()} (emitted before the frames complete) and emitted as a
 * {@link Frame.Close} after the last frame, unless this side closed first, or the peer sent no
 * status (1005) or no close frame at all (1006): then the inbound frames just complete.
 */
final class WebSocketConnection extends ChannelInboundHandlerAdapter
    implements Transport.Connection {
  /** How long {@link #close(Frame.Close)} waits for the close frame to be written. */
  private static final Duration CLOSE_WRITE_TIMEOUT = Duration.ofSeconds(5);

  private static final String HANDLER_NAME = "lifeline.violations";
  private static final int NO_STATUS = 1005;
  private static final int ABNORMAL_CLOSURE = 1006;
  private static final int MESSAGE_TOO_BIG = 1009;

  private final URI uri;
  private final WebsocketInbound in;
  private final WebsocketOutbound out;
  private final Connection connection;
  private final int maxFramePayloadLength;
  private volatile WebSocketCloseStatus closeStatus;
  private volatile boolean closedHere;
  private volatile Throwable failure;
  private volatile Throwable violation;

  WebSocketConnection(
      URI uri, WebsocketInbound in, WebsocketOutbound out, int maxFramePayloadLength) {
    this.uri = uri;
    this.in = in;
    this.out = out;
    this.maxFramePayloadLength = maxFramePayloadLength;
    AtomicReference<Connection> holder = new AtomicReference<>();
    in.withConnection(holder::set);
    this.connection = holder.get();
    // before any frame is read: fragments of one message arrive as one frame
    in.aggregateFrames(maxFramePayloadLength);
    connection.addHandlerLast(HANDLER_NAME, this);
    in.receiveCloseStatus().subscribe(status -> closeStatus = status, e -> {});
  }

  @Override
  public Flux<Frame> inbound() {
    return in.receiveFrames()
        .<Frame>handle(
            (received, sink) -> {
              // runs inside Reactor Netty's onNext: the buffer is copied out here and released
              // by Reactor Netty as soon as this returns
              Frame frame = NettyFrames.toFrame(received);
              if (frame != null) {
                sink.next(frame);
              }
            })
        // Netty closes the channel inside its decoder and only then raises a protocol violation,
        // so the frames complete first: decide how they end in a later event loop task, by when
        // exceptionCaught has noted the violation
        .concatWith(
            Mono.defer(this::end)
                .subscribeOn(Schedulers.fromExecutor(connection.channel().eventLoop())))
        .onErrorMap(error -> violation != null ? violation : translate(error));
  }

  @Override
  public Mono<Void> close(Frame.Close frame) {
    return Mono.defer(
            () -> {
              closedHere = true;
              return out.sendClose(frame.code(), frame.reason());
            })
        .timeout(CLOSE_WRITE_TIMEOUT, Mono.empty())
        .onErrorResume(e -> Mono.empty())
        .doFinally(signal -> connection.dispose())
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

  private Mono<Frame> end() {
    if (violation != null) {
      return Mono.error(violation);
    }
    Throwable error = failure;
    if (error != null && !closedHere) {
      return Mono.error(error);
    }
    WebSocketCloseStatus status = closeStatus;
    if (closedHere || status == null) {
      return Mono.empty();
    }
    int code = status.code();
    if (code < 1000 || code > 4999 || code == NO_STATUS || code == ABNORMAL_CLOSURE) {
      return Mono.empty();
    }
    String reason = status.reasonText() == null ? "" : status.reasonText();
    try {
      return Mono.just(Frame.close(code, reason));
    } catch (IllegalArgumentException tooLong) {
      // the peer sent a reason over RFC 6455's 123 bytes; its status still counts
      return Mono.just(Frame.close(code, ""));
    }
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

  private ProtocolViolationException tooBig(String what, Throwable cause) {
    return new ProtocolViolationException(
        MESSAGE_TOO_BIG,
        what
            + " from "
            + uri
            + " exceeds the maximum payload length of "
            + maxFramePayloadLength
            + " bytes; closed the connection with status 1009 (message too big). Raise"
            + " WebSocketTransport.maxFramePayloadLength(..) if the server may send such frames",
        cause);
  }
}
