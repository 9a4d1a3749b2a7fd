package dev.lifeline;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One WebSocket frame as the application sees it: an immutable value, independent of any
 * transport's buffers.
 *
 * <p>Five kinds exist, mirroring RFC 6455: {@link Text}, {@link Binary}, {@link Ping}, {@link Pong}
 * and {@link Close}. Frames that carry bytes copy them on the way in and on the way out, so no
 * caller can change a frame after it was made; {@link Binary#asByteBuffer()} offers a read-only
 * view without copying.
 *
 * <p>Transports convert their own buffers to frames and release those buffers at once (DESIGN.md,
 * "Frame"); a frame never holds a pooled or reference-counted buffer.
 *
 * @since 0.1.0
 */
public sealed interface Frame
    permits Frame.Text, Frame.Binary, Frame.Ping, Frame.Pong, Frame.Close {

  /**
   * A text frame.
   *
   * @param text the text, never {@code null}
   * @since 0.1.0
   */
  static Text text(String text) {
    return new Text(text);
  }

  /**
   * A binary frame holding a copy of {@code data}.
   *
   * @since 0.1.0
   */
  static Binary binary(byte[] data) {
    return new Binary(data.clone());
  }

  /**
   * A binary frame holding a copy of the remaining bytes of {@code data}; the buffer's position is
   * not changed.
   *
   * @since 0.1.0
   */
  static Binary binary(ByteBuffer data) {
    return new Binary(copy(data));
  }

  /**
   * An RFC 6455 ping control frame with an empty payload.
   *
   * @since 0.1.0
   */
  static Ping ping() {
    return new Ping(Bytes.EMPTY);
  }

  /**
   * An RFC 6455 ping control frame with a copy of {@code payload} (at most 125 bytes).
   *
   * @since 0.1.0
   */
  static Ping ping(byte[] payload) {
    return new Ping(Bytes.controlPayload(payload.clone()));
  }

  /**
   * An RFC 6455 pong control frame with an empty payload.
   *
   * @since 0.1.0
   */
  static Pong pong() {
    return new Pong(Bytes.EMPTY);
  }

  /**
   * An RFC 6455 pong control frame with a copy of {@code payload} (at most 125 bytes).
   *
   * @since 0.1.0
   */
  static Pong pong(byte[] payload) {
    return new Pong(Bytes.controlPayload(payload.clone()));
  }

  /**
   * An RFC 6455 pong control frame with a copy of the remaining bytes of {@code payload}.
   *
   * @since 0.1.0
   */
  static Pong pong(ByteBuffer payload) {
    return new Pong(Bytes.controlPayload(copy(payload)));
  }

  /**
   * An RFC 6455 ping control frame with a copy of the remaining bytes of {@code payload}.
   *
   * @since 0.1.0
   */
  static Ping ping(ByteBuffer payload) {
    return new Ping(Bytes.controlPayload(copy(payload)));
  }

  /**
   * A close frame.
   *
   * @param code the RFC 6455 status code, 1000 to 4999
   * @param reason the reason, at most 123 bytes in UTF-8; {@code ""} for none
   * @since 0.1.0
   */
  static Close close(int code, String reason) {
    return new Close(code, reason);
  }

  private static byte[] copy(ByteBuffer data) {
    byte[] bytes = new byte[data.remaining()];
    data.duplicate().get(bytes);
    return bytes;
  }

  /**
   * A text frame.
   *
   * @param text the text, never {@code null}
   * @since 0.1.0
   */
  record Text(String text) implements Frame {
    /** Checks that {@code text} is not {@code null}. */
    public Text {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A binary frame. Its bytes are copied when it is made and when they are read with {@link
   * #bytes()}.
   *
   * @since 0.1.0
   */
  final class Binary extends Bytes implements Frame {
    Binary(byte[] data) {
      super(data);
    }
  }

  /**
   * An RFC 6455 ping control frame.
   *
   * @since 0.1.0
   */
  final class Ping extends Bytes implements Frame {
    Ping(byte[] payload) {
      super(payload);
    }
  }

  /**
   * An RFC 6455 pong control frame.
   *
   * @since 0.1.0
   */
  final class Pong extends Bytes implements Frame {
    Pong(byte[] payload) {
      super(payload);
    }
  }

  /**
   * A close frame.
   *
   * @param code the RFC 6455 status code, 1000 to 4999
   * @param reason the reason, never {@code null}, at most 123 bytes in UTF-8
   * @since 0.1.0
   */
  record Close(int code, String reason) implements Frame {
    /** Checks the code's range and the reason's length. */
    public Close {
      Objects.requireNonNull(reason, "reason");
      if (code < 1000 || code > 4999) {
        throw new IllegalArgumentException(
            "close code " + code + " is outside RFC 6455's range 1000..4999");
      }
      int length = reason.getBytes(StandardCharsets.UTF_8).length;
      if (length > 123) {
        throw new IllegalArgumentException(
            "close reason is " + length + " bytes in UTF-8; RFC 6455 allows at most 123");
      }
    }
  }

  /**
   * The byte-carrying frames' shared value semantics: immutable content, equality by content.
   *
   * @since 0.1.0
   */
  abstract sealed class Bytes permits Binary, Ping, Pong {
    private static final byte[] EMPTY = new byte[0];

    private final byte[] data;

    Bytes(byte[] data) {
      this.data = data;
    }

    static byte[] controlPayload(byte[] payload) {
      if (payload.length > 125) {
        throw new IllegalArgumentException(
            "control frame payload is " + payload.length + " bytes; RFC 6455 allows at most 125");
      }
      return payload;
    }

    /**
     * A copy of the frame's bytes.
     *
     * @since 0.1.0
     */
    public final byte[] bytes() {
      return data.clone();
    }

    /**
     * A read-only view of the frame's bytes, without copying.
     *
     * @since 0.1.0
     */
    public final ByteBuffer asByteBuffer() {
      return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }

    /**
     * The payload's byte at {@code index}, without copying or allocating.
     *
     * @throws IndexOutOfBoundsException if {@code index} is negative or not below {@link #length()}
     * @since 0.2.0
     */
    public final byte byteAt(int index) {
      return data[Objects.checkIndex(index, data.length)];
    }

    /**
     * The number of bytes in the frame's payload.
     *
     * @since 0.1.0
     */
    public final int length() {
      return data.length;
    }

    @Override
    public final boolean equals(Object other) {
      return other != null
          && other.getClass() == getClass()
          && Arrays.equals(data, ((Bytes) other).data);
    }

    @Override
    public final int hashCode() {
      return 31 * getClass().hashCode() + Arrays.hashCode(data);
    }

    @Override
    public final String toString() {
      return getClass().getSimpleName() + "[" + data.length + " bytes]";
    }
  }
}
