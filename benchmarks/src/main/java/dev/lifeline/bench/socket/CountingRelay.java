package dev.lifeline.bench.socket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay for one connection that counts the bytes it forwards each way. Two platform
 * threads copy with blocking sockets: a measuring tool for one benchmark socket, not a proxy.
 *
 * <p>Each counter is written by its own copying thread only and read by the benchmark thread.
 */
final class CountingRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final AtomicLong upstream = new AtomicLong();
  private final AtomicLong downstream = new AtomicLong();
  private volatile Socket client;
  private volatile Socket server;

  private CountingRelay(ServerSocket listener) {
    this.listener = listener;
  }

  static CountingRelay start(int targetPort) throws IOException {
    CountingRelay relay =
        new CountingRelay(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    Thread acceptor =
        new Thread(
            () -> {
              try {
                Socket c = relay.listener.accept();
                Socket s = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                c.setTcpNoDelay(true);
                s.setTcpNoDelay(true);
                relay.client = c;
                relay.server = s;
                copy(c.getInputStream(), s.getOutputStream(), relay.upstream, "relay-up");
                copy(s.getInputStream(), c.getOutputStream(), relay.downstream, "relay-down");
              } catch (IOException e) {
                // closed before a client came: nothing to relay
              }
            },
            "relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return relay;
  }

  private static void copy(InputStream in, OutputStream out, AtomicLong count, String name) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[64 << 10];
              try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  out.write(buffer, 0, n);
                  count.addAndGet(n);
                }
              } catch (IOException e) {
                // either side closed: the relay ends
              } finally {
                try {
                  out.close();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            name);
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  long upstreamBytes() {
    return upstream.get();
  }

  long downstreamBytes() {
    return downstream.get();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    Socket c = client;
    Socket s = server;
    if (c != null) {
      c.close();
    }
    if (s != null) {
      s.close();
    }
  }
}
