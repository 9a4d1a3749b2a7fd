package dev.lifeline;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A way to open one physical frame connection; the supervisor's only view of the network. The
 * Reactor Netty WebSocket client ({@code dev.lifeline.netty.WebSocketTransport}, module {@code
 * lifeline-netty}) is one transport, {@code dev.lifeline.testing.InMemoryTransport} (module {@code
 * lifeline-test}) another.
 *
 * <p>Implementations must be thread-safe and keep no state between connections that the supervisor
 * relies on: every reconnect calls {@link #connect(Publisher)} again.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface Transport {

  /**
   * Opens one connection per subscription to the returned {@code Mono}, which emits the connection
   * once its handshake completed, or errors if it failed (refused, handshake status, timeout).
   * Cancelling the subscription before then abandons the attempt and releases everything it held.
   *
   * <p>Once connected, the transport subscribes to {@code outbound} and writes what it emits, in
   * order, requesting more as it can write. {@code outbound} never completes: the supervisor ends a
   * connection through {@link Connection#close(Frame.Close)} or {@link Connection#dispose()}.
   *
   * @param outbound the frames to write on this connection, heartbeats included
   * @since 0.1.0
   */
  Mono<Connection> connect(Publisher<Frame> outbound);

  /**
   * As {@link #connect(Publisher)}, offering the peer {@code subprotocols} (RFC 6455 {@code
   * Sec-WebSocket-Protocol}) as well as any the transport offers itself (a transport with its own
   * may join each of these to each of its own with {@code '+'}, as {@code WebSocketTransport} does,
   * since a handshake selects only one); {@link Connection#subprotocol()} tells which one the peer
   * selected. A {@link Supervisor} with {@link Resume} offers {@value Resume#PROTOCOL} this way.
   * The default ignores the offer, as a transport that cannot negotiate: its connections then never
   * select one, and resume stays off.
   *
   * @param subprotocols the subprotocols to offer first, most preferred first
   * @since 0.2.0
   */
  default Mono<Connection> connect(Publisher<Frame> outbound, java.util.List<String> subprotocols) {
    return connect(outbound);
  }

  /**
   * The scheduler a {@link Supervisor} runs this transport's timers on unless told otherwise
   * ({@link Supervisor#scheduler(Scheduler)}). Defaults to {@link Schedulers#parallel()}; a
   * transport with event loops of its own may return them, so heartbeats are written from the
   * thread that owns the socket instead of hopping to it.
   *
   * @since 0.1.0
   */
  default Scheduler timerScheduler() {
    return Schedulers.parallel();
  }

  /**
   * A short name for the connections this transport opens, the default {@linkplain
   * Supervisor#name(String) connection name}: readable, without credentials or a query string. The
   * default is the class's simple name.
   *
   * @since 0.2.0
   */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * One established connection.
   *
   * @since 0.1.0
   */
  interface Connection extends Disposable {

    /**
     * The frames the peer sent, each converted to a {@link Frame} with the transport's buffers
     * released; subscribed to at most once. Ping, pong and close frames are included. When the peer
     * closes the connection this emits the peer's {@link Frame.Close} if there was one and
     * completes; a transport may instead complete at once, without that frame, when no demand is
     * outstanding, and report it by {@link #peerClose()}, so that the end is not held up by the
     * subscriber's backpressure. It errors on an I/O failure. After {@link #dispose()} or {@link
     * #close(Frame.Close)} it must terminate promptly: it may still emit the peer's answering close
     * frame, or end with a {@link dev.lifeline.ConnectionClosedException} carrying an error status
     * the peer sent as its own close crossed ours (the supervisor reports that status; any other
     * end after a close is taken as the close completing).
     *
     * @since 0.1.0
     */
    Flux<Frame> inbound();

    /**
     * Sends {@code frame} as the connection's last frame and closes it, completing once the
     * connection is closed. Idempotent.
     *
     * @since 0.1.0
     */
    Mono<Void> close(Frame.Close frame);

    /** Closes the connection at once, without a close frame: the peer is presumed dead. */
    @Override
    void dispose();

    /**
     * Asks the transport to run {@code listener} whenever bytes arrive from the peer, before they
     * are decoded into frames: the heartbeat then counts the part of a large frame that already
     * arrived over a slow link as proof of life, and stamps the time once per read instead of once
     * per frame. Called at most once, before {@link #inbound()} is subscribed, from any thread; the
     * listener must be called from one thread at a time and must not block.
     *
     * @return whether the transport will call {@code listener} for every read; the default, for
     *     transports that cannot tell, is {@code false} and ignores it (each frame then counts when
     *     it arrives whole)
     * @since 0.1.0
     */
    default boolean onBytesReceived(Runnable listener) {
      return false;
    }

    /**
     * The subprotocol the peer selected in its handshake response, or the empty string if it
     * selected none (the default, for transports that cannot tell).
     *
     * @since 0.2.0
     */
    default String subprotocol() {
      return "";
    }

    /**
     * The peer's close frame when {@link #inbound()} completed without emitting it, for lack of
     * demand; null otherwise (emitted, or none: the default). Read after {@code inbound()}
     * completed.
     *
     * @since 0.2.0
     */
    default Frame.@Nullable Close peerClose() {
      return null;
    }

    /**
     * The payload bytes of the text and binary frames this connection has read from the peer so far
     * (UTF-8 for text; control frames and framing not counted), or -1 if this transport does not
     * count them (the default). Called from any thread, for monitoring; the count must stop moving
     * once {@link #inbound()} has terminated.
     *
     * @since 0.2.0
     */
    default long bytesReceived() {
      return -1;
    }

    /**
     * The payload bytes of the text and binary frames this connection has taken from the
     * supervisor's outbound publisher so far, or -1 if this transport does not count them (the
     * default). As {@link #bytesReceived()}.
     *
     * @since 0.2.0
     */
    default long bytesSent() {
      return -1;
    }
  }
}
