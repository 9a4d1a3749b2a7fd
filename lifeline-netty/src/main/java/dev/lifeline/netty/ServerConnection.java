package dev.lifeline.netty;

import dev.lifeline.Frame;
import java.net.SocketAddress;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One client of a {@link ServerSupervisor}, as the server's application sees it. Heartbeat traffic
 * never reaches it: the supervisor answers the heartbeat dialect, Netty answers RFC pings, and
 * close frames end {@link #inbound()}.
 *
 * <p>Thread-safe.
 *
 * @since 0.1.0
 */
public interface ServerConnection {

  /**
   * This connection's id, unique within the process: Netty's short channel id, as Reactor Netty's
   * logs print it.
   *
   * @since 0.1.0
   */
  String id();

  /**
   * The client's address.
   *
   * @since 0.1.0
   */
  SocketAddress remoteAddress();

  /**
   * The client's text and binary frames, fragmented messages joined into one; heartbeats, pings,
   * pongs and close frames removed. Completes when the connection closes, for whatever reason;
   * errors on an I/O failure or a message over the supervisor's {@linkplain
   * ServerSupervisor.Builder#maxMessageLength(int) limit}. Subscribe at most once.
   *
   * @since 0.1.0
   */
  Flux<Frame> inbound();

  /**
   * Writes {@code frames} to the client in order, completing when they are written and {@code
   * frames} completed. A {@link Frame.Close} among them fails the send with {@link
   * IllegalArgumentException}: use {@link #close(int, String)}.
   *
   * @since 0.1.0
   */
  Mono<Void> send(Publisher<Frame> frames);

  /**
   * Sends a close frame with {@code code} and {@code reason} and closes the connection, completing
   * once it is closed. Idempotent: only the first close frame is sent. The closing handshake is
   * completed (RFC 6455 7.1.1): frames still arriving are read, TCP is closed once the client's
   * answering close frame arrived, or at the supervisor's {@linkplain
   * ServerSupervisor.Builder#closeTimeout close timeout} if it never does; frames written after the
   * close frame are not sent.
   *
   * @since 0.1.0
   */
  Mono<Void> close(int code, String reason);
}
