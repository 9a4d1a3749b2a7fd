package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * A minimal WebSocket client on a plain socket (RFC 6455 4.1 and 5.2), enough to read the server's
 * close frame and to choose when to answer it. It answers nothing by itself, pings included: a
 * silent peer.
 */
public final class RawClient implements AutoCloseable {
  record Close(int code, String reason) {}

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private int pings;
  private Close lastClose;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  public static RawClient connect(int port) throws IOException {
    return connect(port, "/ws", null);
  }

  /** Opens a WebSocket to {@code path}, offering {@code subprotocol} if not null. */
  public static RawClient connect(int port, String path, String subprotocol) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    RawClient client = new RawClient(socket);
    String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes());
    client.out.write(
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1:"
                + port
                + (subprotocol == null ? "" : "\r\nSec-WebSocket-Protocol: " + subprotocol)
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + key
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    client.out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) client.in.readUnsignedByte());
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
    return client;
  }

  /** Reads frames until the server's close frame; fails on anything but pings in between. */
  Close readClose(Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    for (; ; ) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      int opcode = nextOpcode(Duration.ofMillis(left));
      if (opcode == -1) {
        throw new SocketTimeoutException("no close frame within " + within);
      }
      if (opcode == 0x8) {
        return lastClose;
      }
      assertThat(opcode).as("frame before the close").isIn(0x9, 0xA);
    }
  }

  /**
   * The next frame's opcode (0x9 for a ping, counted; 0x8 for a close, its status kept for {@link
   * #lastClose()}), or -1 when none starts within {@code within}.
   */
  int nextOpcode(Duration within) throws IOException {
    socket.setSoTimeout((int) Math.max(1, within.toMillis()));
    int first;
    try {
      first = in.readUnsignedByte();
    } catch (SocketTimeoutException none) {
      return -1;
    }
    socket.setSoTimeout(10_000);
    int second = in.readUnsignedByte();
    long length = second & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    int opcode = first & 0x0f;
    if (opcode == 0x9) {
      pings++;
    } else if (opcode == 0x8) {
      int code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
      lastClose =
          new Close(code, new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8));
    }
    return opcode;
  }

  /** The close frame {@link #nextOpcode} read, or null. */
  Close lastClose() {
    return lastClose;
  }

  /** Pings read so far (and never answered). */
  int pings() {
    return pings;
  }

  /** Whether the server ends the connection (end of stream) within {@code time}. */
  boolean endsWithin(Duration time) throws IOException {
    socket.setSoTimeout((int) Math.max(1, time.toMillis()));
    try {
      return in.read() == -1 || endsWithin(time);
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (EOFException ended) {
      return true;
    }
  }

  /** Sends one masked, final frame: {@code opcode} 0x1 text, 0x2 binary, 0xA pong. */
  void send(int opcode, byte[] payload) throws IOException {
    byte[] mask = {1, 2, 3, 4};
    int n = payload.length;
    byte[] frame;
    int at;
    if (n < 126) {
      frame = new byte[2 + 4 + n];
      frame[1] = (byte) (0x80 | n);
      at = 2;
    } else if (n < 65_536) {
      frame = new byte[4 + 4 + n];
      frame[1] = (byte) (0x80 | 126);
      frame[2] = (byte) (n >> 8);
      frame[3] = (byte) n;
      at = 4;
    } else {
      throw new IllegalArgumentException("payloads up to 65 535 bytes, was " + n);
    }
    frame[0] = (byte) (0x80 | opcode);
    System.arraycopy(mask, 0, frame, at, 4);
    for (int i = 0; i < n; i++) {
      frame[at + 4 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    out.write(frame);
    out.flush();
  }

  /** Sends a masked close frame with {@code code}. */
  void sendClose(int code) throws IOException {
    byte[] mask = {1, 2, 3, 4};
    byte[] payload = {(byte) (code >> 8), (byte) code};
    out.write(new byte[] {(byte) 0x88, (byte) (0x80 | payload.length)});
    out.write(mask);
    for (int i = 0; i < payload.length; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
