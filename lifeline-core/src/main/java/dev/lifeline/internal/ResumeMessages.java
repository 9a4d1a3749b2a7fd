package dev.lifeline.internal;

import dev.lifeline.Frame;
import java.nio.ByteBuffer;

/**
 * The control messages of {@code lifeline.resume.v1} (see {@code docs/resume-protocol.md}): RFC
 * 6455 pong frames whose payload starts with the magic {@code LLR1} and a type byte, so that data
 * frames stay untouched and a peer's heartbeat machinery (which ignores unsolicited pongs, RFC 6455
 * 5.5.3) is not disturbed. All integers are unsigned 64-bit big-endian.
 *
 * <pre>
 * HELLO    'H' received:u64 [session:16]          client → server, first frame of every connection
 * WELCOME  'W' status:u8 received:u64 session:16  server → client, answer to HELLO
 *              status 'R' resumed, 'N' new session (the named one is unknown or none was named)
 * ACK      'A' received:u64                       either way: cumulative acknowledgement
 * ACKREQ   'Q'                                    either way: my replay buffer is full, acknowledge
 * </pre>
 *
 * <p>Stateless; thread-safe.
 */
public final class ResumeMessages {
  public static final int SESSION_ID_LENGTH = 16;
  public static final byte HELLO = 'H';
  public static final byte WELCOME = 'W';
  public static final byte ACK = 'A';
  public static final byte ACK_REQUEST = 'Q';
  public static final byte RESUMED = 'R';
  public static final byte NEW = 'N';
  private static final byte[] MAGIC = {'L', 'L', 'R', '1'};

  /** An ACK's payload: the magic, its type, a 64-bit count. */
  private static final int ACK_LENGTH = 4 + 1 + 8;

  private static final Frame.Pong ACK_REQUEST_FRAME = Frame.pong(header(ACK_REQUEST, 0).array());

  private ResumeMessages() {}

  /** One decoded control message; {@code session} is null when none was named. */
  public record Message(byte type, byte status, long received, byte[] session) {}

  /** Whether {@code frame} is a resume control message (a pong starting with the magic). */
  public static boolean isControl(Frame frame) {
    if (!(frame instanceof Frame.Pong pong) || pong.length() < MAGIC.length + 1) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (pong.byteAt(i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The count an ACK carries, read without allocating (the one message of a steady stream), after
   * {@link #isControl}; -1 if {@code pong} is another control message, for {@link #decode}.
   *
   * @throws IllegalArgumentException if it is an ACK but malformed, with what was wrong
   */
  public static long ackCount(Frame.Pong pong) {
    if (pong.byteAt(MAGIC.length) != ACK) {
      return -1;
    }
    if (pong.length() != ACK_LENGTH) {
      throw new IllegalArgumentException(
          "resume message of type A is "
              + (pong.length() < ACK_LENGTH ? "truncated (" : "too long (")
              + pong.length()
              + " bytes, expected "
              + ACK_LENGTH
              + ")");
    }
    long count = 0;
    for (int i = MAGIC.length + 1; i < ACK_LENGTH; i++) {
      count = (count << 8) | (pong.byteAt(i) & 0xFF);
    }
    return checked(count);
  }

  /**
   * Decodes a control message, after {@link #isControl}.
   *
   * @throws IllegalArgumentException if it is malformed, with what was wrong
   */
  public static Message decode(Frame.Pong pong) {
    ByteBuffer b = pong.asByteBuffer();
    b.position(MAGIC.length);
    byte type = b.get();
    try {
      return switch (type) {
        case HELLO -> {
          long received = b.getLong();
          byte[] session = null;
          if (b.remaining() == SESSION_ID_LENGTH) {
            session = new byte[SESSION_ID_LENGTH];
            b.get(session);
          } else if (b.hasRemaining()) {
            throw new IllegalArgumentException(
                "HELLO carries a session id of " + b.remaining() + " bytes, expected 0 or 16");
          }
          yield new Message(type, (byte) 0, checked(received), session);
        }
        case WELCOME -> {
          byte status = b.get();
          if (status != RESUMED && status != NEW) {
            throw new IllegalArgumentException("WELCOME has unknown status " + status);
          }
          long received = b.getLong();
          byte[] session = new byte[SESSION_ID_LENGTH];
          b.get(session);
          noMore(type, b);
          yield new Message(type, status, checked(received), session);
        }
        case ACK -> new Message(type, (byte) 0, ackCount(pong), null);
        case ACK_REQUEST -> {
          noMore(type, b);
          yield new Message(type, (byte) 0, 0, null);
        }
        default -> throw new IllegalArgumentException("unknown resume message type " + type);
      };
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException(
          "resume message of type " + (char) type + " is truncated (" + pong.length() + " bytes)");
    }
  }

  /** A message with bytes after its last field has a wrong length: a violation (section 4). */
  private static void noMore(byte type, ByteBuffer b) {
    if (b.hasRemaining()) {
      throw new IllegalArgumentException(
          "resume message of type "
              + (char) type
              + " is too long ("
              + b.limit()
              + " bytes, "
              + b.remaining()
              + " after its last field)");
    }
  }

  private static long checked(long count) {
    if (count < 0) {
      throw new IllegalArgumentException(
          "frame count out of range: " + Long.toUnsignedString(count));
    }
    return count;
  }

  public static Frame.Pong hello(long received, byte[] session) {
    ByteBuffer b = header(HELLO, 8 + (session == null ? 0 : SESSION_ID_LENGTH));
    b.putLong(received);
    if (session != null) {
      b.put(session);
    }
    return Frame.pong(b.array());
  }

  public static Frame.Pong welcome(byte status, long received, byte[] session) {
    ByteBuffer b = header(WELCOME, 1 + 8 + SESSION_ID_LENGTH);
    b.put(status).putLong(received).put(session);
    return Frame.pong(b.array());
  }

  public static Frame.Pong ack(long received) {
    byte[] payload = new byte[ACK_LENGTH];
    System.arraycopy(MAGIC, 0, payload, 0, MAGIC.length);
    payload[MAGIC.length] = ACK;
    for (int i = ACK_LENGTH - 1; i > MAGIC.length; i--) {
      payload[i] = (byte) received;
      received >>>= 8;
    }
    return Frame.pong(payload);
  }

  public static Frame.Pong ackRequest() {
    return ACK_REQUEST_FRAME;
  }

  private static ByteBuffer header(byte type, int body) {
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + body);
    b.put(MAGIC).put(type);
    return b;
  }

  /** The size a data frame counts for in the replay buffer: its payload bytes (text as UTF-8). */
  public static long size(Frame frame) {
    if (frame instanceof Frame.Text text) {
      return utf8Length(text.text());
    }
    if (frame instanceof Frame.Binary binary) {
      return binary.length();
    }
    return 0;
  }

  private static long utf8Length(String s) {
    int n = s.length();
    long bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c)) {
          bytes += 2; // 4 bytes for the pair's 2 chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  /** {@code bytes} as lower-case hex digits. */
  public static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      s.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return s.toString();
  }

  /** Whether {@code frame} is application data, counted by resume: text or binary. */
  public static boolean isData(Frame frame) {
    return frame instanceof Frame.Text || frame instanceof Frame.Binary;
  }
}
