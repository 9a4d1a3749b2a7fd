package dev.lifeline.netty;

import dev.lifeline.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;

/**
 * Converts between Lifeline's {@link Frame}s and Netty's WebSocket frames. Inbound, the bytes are
 * copied out, so the caller may release the Netty frame at once; outbound, the frame's bytes are
 * wrapped without copying (a frame is immutable).
 */
final class NettyFrames {
  private NettyFrames() {}

  /**
   * The frame {@code frame} carries; does not release it. {@code null} for a close frame without
   * status or a continuation frame (which never arrives with an aggregator in the pipeline).
   */
  static Frame toFrame(WebSocketFrame frame) {
    if (frame instanceof TextWebSocketFrame text) {
      return Frame.text(text.text());
    }
    if (frame instanceof BinaryWebSocketFrame) {
      return Frame.binary(bytes(frame.content()));
    }
    if (frame instanceof PongWebSocketFrame) {
      return Frame.pong(bytes(frame.content()));
    }
    if (frame instanceof PingWebSocketFrame) {
      return Frame.ping(bytes(frame.content()));
    }
    if (frame instanceof CloseWebSocketFrame close && close.statusCode() >= 1000) {
      return Frame.close(close.statusCode(), close.reasonText());
    }
    return null;
  }

  /** A Netty frame holding {@code frame}'s bytes; its buffer belongs to whoever writes it. */
  static WebSocketFrame toNetty(Frame frame) {
    if (frame instanceof Frame.Text text) {
      return new TextWebSocketFrame(text.text());
    }
    if (frame instanceof Frame.Binary binary) {
      return new BinaryWebSocketFrame(wrap(binary.asByteBuffer()));
    }
    if (frame instanceof Frame.Ping ping) {
      return new PingWebSocketFrame(wrap(ping.asByteBuffer()));
    }
    if (frame instanceof Frame.Pong pong) {
      return new PongWebSocketFrame(wrap(pong.asByteBuffer()));
    }
    Frame.Close close = (Frame.Close) frame;
    return new CloseWebSocketFrame(close.code(), close.reason());
  }

  private static ByteBuffer bytes(ByteBuf content) {
    // a view when the buffer has one NIO buffer; Frame's factories copy it either way
    return content.nioBuffer();
  }

  private static ByteBuf wrap(ByteBuffer bytes) {
    return bytes.hasRemaining() ? Unpooled.wrappedBuffer(bytes) : Unpooled.EMPTY_BUFFER;
  }
}
