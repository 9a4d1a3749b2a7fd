package dev.lifeline;

import dev.lifeline.internal.Settings;
import dev.lifeline.internal.Supervision;
import java.util.Objects;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One logical WebSocket connection that stays up: it opens a physical connection through its {@link
 * Transport}, watches it with heartbeats, and replaces it after every failure until its retry
 * policy gives up. Made by {@link Supervisor#connection()}.
 *
 * <h2>Lifecycle</h2>
 *
 * <p>{@link #state()} says where a connection is ({@link ConnectionState}):
 *
 * <ul>
 *   <li><b>New.</b> Nothing happens: no socket, no timer (C1). {@link #send(Frame)} already
 *       buffers.
 *   <li><b>Connecting.</b> {@link #inbound()} was subscribed: an attempt is in flight. Exactly one
 *       attempt is in flight at any instant (C4).
 *   <li><b>Connected.</b> The transport connected. Buffered frames go out in order; after the
 *       heartbeat interval without any inbound frame a heartbeat goes out (C2), and if nothing
 *       arrives within the timeout after it the peer is dead (C3).
 *   <li><b>Waiting.</b> The connection ended for a retryable reason: the next attempt starts after
 *       the retry policy's delay. The attempt count resets once a connection delivers its first
 *       frame from the peer (C5) — a connection that accepts the handshake and then dies silently
 *       counts as a failed attempt, so a flapping server cannot keep the client reconnecting
 *       forever.
 *   <li><b>Closing.</b> {@link #close()} was called while connected: the closing handshake is under
 *       way.
 *   <li><b>Closed</b> or <b>failed</b>. The application {@linkplain #close() closed} the connection
 *       or cancelled {@link #inbound()} (the connection is closed with status 1000): closed; the
 *       retry policy gave up ({@link ReconnectsExhaustedException}, C6), or a failure retrying
 *       cannot fix arrived (C7): failed. Frames still waiting fail with the terminal error (C9).
 *       Final.
 * </ul>
 *
 * <p>Thread-safe. All methods may be called from any thread.
 *
 * @since 0.1.0
 */
public final class SupervisedConnection implements Disposable {

  private final Supervision session;

  SupervisedConnection(Settings settings) {
    this.session = new Supervision(settings);
  }

  /**
   * The peer's frames, across every reconnect, without heartbeat traffic (C8) and without ping,
   * pong or close control frames. Subscribing starts supervision; cancelling ends it and closes the
   * live connection with status 1000 (C1). Completes after {@link #close()}; errors with {@link
   * ReconnectsExhaustedException} when the retry policy gives up (C6), or with the failure itself
   * when it is not retryable (C7). May be subscribed once; use {@code share()} to fan out.
   *
   * @since 0.1.0
   */
  public Flux<Frame> inbound() {
    return session;
  }

  /**
   * What happens to this connection, as it happens; see {@link ConnectionEvent}; {@link #states()}
   * folds them into where the connection is. Completes after {@link ConnectionEvent.Closed}. Any
   * number of subscribers, each seeing the events from its subscription on: subscribe before {@link
   * #inbound()} to see them all. Events are not buffered (a buffer would cost every connection
   * memory): a subscriber that has not requested an event misses it rather than stalling the
   * connection.
   *
   * @since 0.1.0
   */
  public Flux<ConnectionEvent> events() {
    return session.events.events();
  }

  /**
   * This connection's {@linkplain Supervisor#name(String) name}, as in its events.
   *
   * @since 0.2.0
   */
  public String name() {
    return session.name();
  }

  /**
   * Where this connection is now; see {@link ConnectionState}. Cheap: a field read.
   *
   * @since 0.2.0
   */
  public ConnectionState state() {
    return session.events.state();
  }

  /**
   * The current {@link #state()} on subscription, then each change as it happens, never the same
   * state twice in a row; completes after {@link ConnectionState#CLOSED} or {@link
   * ConnectionState#FAILED}. Any number of subscribers; one that requests slowly gets every change
   * in order when it asks (they are kept for it until then).
   *
   * @since 0.2.0
   */
  public Flux<ConnectionState> states() {
    return session.events.states();
  }

  /**
   * Sends {@code frame} when subscribed: at once if a connection is live, otherwise after the next
   * reconnect, in the order of subscription (C9). Completes when the frame is handed to a live
   * connection's transport. Fails with {@link OutboundBufferFullException} if the outbound buffer
   * is full, and with the terminal error (or {@link SupervisorClosedException}) if supervision ends
   * before the frame left. Cancelling withdraws a frame that has not left yet.
   *
   * <p>A frame handed to a connection that then dies may be lost with it; the {@link
   * ConnectionEvent.Disconnected} event counts those no answered heartbeat confirmed.
   *
   * @throws IllegalArgumentException (from the {@code Mono}) for a {@link Frame.Close}: use {@link
   *     #close()}
   * @since 0.1.0
   */
  public Mono<Void> send(Frame frame) {
    Objects.requireNonNull(frame, "frame");
    if (frame instanceof Frame.Close) {
      return Mono.error(
          new IllegalArgumentException(
              "close frames are not sent with send(); call close() to end the connection"));
    }
    return session.outbox.send(frame);
  }

  /**
   * Sends every frame {@code frames} emits, when subscribed: as {@link #send(Frame)} frame by
   * frame, in order, without a {@code Mono} per frame. Subscribes to {@code frames} with a prefetch
   * of 32 (at most the {@linkplain Supervisor#outboundBufferCapacity(int) buffer's capacity}, so
   * that a stream alone never overflows it) and requests more as the connection takes them, so a
   * fast stream is backpressured by the network. The frames of one stream keep their order; frames
   * of concurrent sends interleave in batches: a frame that arrives while a connection is live, has
   * demand and nothing waits is written at once; otherwise the stream's waiting frames (at most its
   * prefetch of 32) go out together when its turn in the buffer comes, as many as the connection
   * takes, and those still waiting then queue behind the other senders. Completes when {@code
   * frames} completed and its last frame was handed to a live connection. Fails, withdrawing its
   * frames still waiting, with {@link OutboundBufferFullException} when the buffer is full, with
   * the terminal error if supervision ends first, with the stream's own error, or with {@link
   * IllegalArgumentException} for a {@link Frame.Close}; cancelling withdraws them too.
   *
   * @since 0.1.0
   */
  public Mono<Void> send(Publisher<? extends Frame> frames) {
    Objects.requireNonNull(frames, "frames");
    return session.outbox.sendAll(frames);
  }

  /**
   * Ends supervision when subscribed: closes the live connection with status 1000, cancels any
   * pending reconnect, fails frames still waiting with {@link SupervisorClosedException}, and
   * completes {@link #inbound()}. Completes when all of that is done. Idempotent.
   *
   * <p>Closing is the WebSocket closing handshake: frames the peer sent before its close frame
   * still reach {@link #inbound()}. The connection is read on to the peer's answer whatever the
   * application requested: up to 256 frames past its demand are held for it, and {@code inbound()}
   * completes after the last of them, while this {@code Mono} completes once the connection is
   * closed. A peer that sends more before answering is closed without its answer after 5 seconds.
   *
   * @since 0.1.0
   */
  public Mono<Void> close() {
    return session.close();
  }

  /** Ends supervision without waiting: {@code close().subscribe()}. */
  @Override
  public void dispose() {
    close().subscribe();
  }

  /**
   * Text and binary frames received for the application so far, over every connection of this
   * supervision: heartbeats, their answers and resume's control frames are not counted; a frame
   * held because the application has not requested it yet is. For monitoring: any thread may read
   * it, and sees a recent value.
   *
   * @since 0.2.0
   */
  public long framesReceived() {
    return session.framesReceived();
  }

  /**
   * The application's frames handed to a transport so far, over every connection of this
   * supervision (written to the socket, not yet known to have arrived; a resume replay does not
   * count a frame again). Heartbeats and control frames are not counted. For monitoring, as {@link
   * #framesReceived()}.
   *
   * @since 0.2.0
   */
  public long framesSent() {
    return session.outbox.sent();
  }

  /**
   * The frames waiting in the outbound buffer now, at most its {@linkplain
   * Supervisor#outboundBufferCapacity() capacity}: sent by the application, not yet handed to a
   * connection. For monitoring, as {@link #framesReceived()}.
   *
   * @since 0.2.0
   */
  public int queuedFrames() {
    return session.outbox.queued();
  }

  /**
   * The payload bytes of the {@linkplain #queuedFrames() frames waiting} in the outbound buffer now
   * (UTF-8 for text). For monitoring, as {@link #framesReceived()}.
   *
   * @since 0.2.0
   */
  public long queuedBytes() {
    return session.outbox.queuedBytes();
  }

  /**
   * The payload bytes of the text and binary frames read from the peer so far, over every
   * connection of this supervision, as the transport counts them ({@link
   * Transport.Connection#bytesReceived()}): on the wire, so resume's own control frames and a
   * replayed frame count too; control frames and framing do not. -1 if the transport does not count
   * bytes (both of Lifeline's transports do). For monitoring, as {@link #framesReceived()}.
   *
   * @since 0.2.0
   */
  public long bytesReceived() {
    return session.bytesReceived();
  }

  /**
   * The payload bytes of the text and binary frames written to the peer so far, over every
   * connection of this supervision, as {@link #bytesReceived()} counts them: a frame replayed after
   * a resume counts again.
   *
   * @since 0.2.0
   */
  public long bytesSent() {
    return session.bytesSent();
  }

  /** Whether supervision has ended. */
  @Override
  public boolean isDisposed() {
    return session.isFinished();
  }
}
