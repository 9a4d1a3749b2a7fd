package dev.lifeline;

import dev.lifeline.internal.EventLog;
import dev.lifeline.internal.LiveConnection;
import dev.lifeline.internal.Outage;
import dev.lifeline.internal.OutboundBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * One logical WebSocket connection that stays up: it opens a physical connection through its {@link
 * Transport}, watches it with heartbeats, and replaces it after every failure until its retry
 * policy gives up. Made by {@link Supervisor#connection()}.
 *
 * <h2>Lifecycle</h2>
 *
 * <ul>
 *   <li><b>New.</b> Nothing happens: no socket, no timer (C1). {@link #send(Frame)} already
 *       buffers.
 *   <li><b>Connecting.</b> {@link #inbound()} was subscribed: an attempt is in flight. Exactly one
 *       attempt is in flight at any instant (C4).
 *   <li><b>Open.</b> The transport connected. Buffered frames go out in order; after the heartbeat
 *       interval without any inbound frame a heartbeat goes out (C2), and if nothing arrives within
 *       the timeout after it the peer is dead (C3).
 *   <li><b>Waiting.</b> The connection ended for a retryable reason: the next attempt starts after
 *       the retry policy's delay. The attempt count resets once a connection delivers its first
 *       frame from the peer (C5) — a connection that accepts the handshake and then dies silently
 *       counts as a failed attempt, so a flapping server cannot keep the client reconnecting
 *       forever.
 *   <li><b>Closed.</b> The application {@linkplain #close() closed} the connection or cancelled
 *       {@link #inbound()} (the connection is closed with status 1000), the retry policy gave up
 *       ({@link ReconnectsExhaustedException}, C6), or a failure retrying cannot fix arrived (C7).
 *       Frames still waiting fail with the terminal error (C9). Final.
 * </ul>
 *
 * <p>Thread-safe. All methods may be called from any thread.
 *
 * @since 0.1.0
 */
public final class SupervisedConnection implements Disposable {

  private final Transport transport;
  private final Heartbeat heartbeat;
  private final Scheduler scheduler;
  private final EventLog events;
  private final Outage outage;
  private final OutboundBuffer buffer;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicReference<LiveConnection> live = new AtomicReference<>();
  private final Sinks.Empty<Void> closeRequested = Sinks.empty();
  private final Sinks.Empty<Void> terminated = Sinks.empty();
  private volatile boolean closing;
  private volatile Throwable terminalError;

  SupervisedConnection(
      Transport transport,
      Heartbeat heartbeat,
      Retry retry,
      Predicate<Throwable> retryable,
      Scheduler scheduler,
      int outboundBufferCapacity) {
    this.transport = transport;
    this.heartbeat = heartbeat;
    this.scheduler = scheduler;
    this.events = new EventLog(scheduler);
    this.outage = new Outage(retry, retryable, scheduler, events);
    this.buffer = new OutboundBuffer(outboundBufferCapacity);
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
    return Flux.defer(
        () -> {
          if (!started.compareAndSet(false, true)) {
            return Flux.error(
                new IllegalStateException(
                    "inbound() of a SupervisedConnection can be subscribed once and already was;"
                        + " use share() or publish() to give it several subscribers"));
          }
          if (closing) {
            return Flux.<Frame>empty().doFinally(this::finish);
          }
          return Flux.defer(this::attempt)
              .retryWhen(outage.retry(closeRequested.asMono()))
              .onErrorMap(Exceptions::isRetryExhausted, this::exhausted)
              .doOnError(e -> terminalError = e)
              .doFinally(this::finish);
        });
  }

  /**
   * What happens to this connection, as it happens; see {@link ConnectionEvent}. Completes after
   * {@link ConnectionEvent.Closed}. Any number of subscribers; events before the first subscriber
   * are kept (up to 256), later subscribers see events from their subscription on.
   *
   * @since 0.1.0
   */
  public Flux<ConnectionEvent> events() {
    return events.events();
  }

  /**
   * Sends {@code frame} when subscribed: at once if a connection is live, otherwise after the next
   * reconnect, in the order of subscription (C9). Completes when the frame is handed to a live
   * connection's transport. Fails with {@link OutboundBufferFullException} if the outbound buffer
   * is full, and with the terminal error (or {@link SupervisorClosedException}) if supervision ends
   * before the frame left. Cancelling withdraws a frame that has not left yet.
   *
   * <p>A frame handed to a connection that then dies may be lost with it; the {@link
   * ConnectionEvent.Disconnected} event counts those written after the peer's last frame.
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
    return buffer.send(frame);
  }

  /**
   * Ends supervision when subscribed: closes the live connection with status 1000, cancels any
   * pending reconnect, fails frames still waiting with {@link SupervisorClosedException}, and
   * completes {@link #inbound()}. Completes when all of that is done. Idempotent.
   *
   * @since 0.1.0
   */
  public Mono<Void> close() {
    return Mono.defer(
        () -> {
          closing = true;
          LiveConnection connection = live.get();
          Mono<Void> closed;
          if (connection != null) {
            // The closing handshake: frames the peer sends before its close frame still reach
            // inbound(), which completes when the connection has closed.
            closed = connection.close(Frame.close(1000, ""));
          } else {
            closed = Mono.empty();
            requestClose();
          }
          if (started.compareAndSet(false, true)) {
            finish(SignalType.ON_COMPLETE);
          }
          return closed.onErrorResume(e -> Mono.empty()).then(terminated.asMono());
        });
  }

  /** Ends supervision without waiting: {@code close().subscribe()}. */
  @Override
  public void dispose() {
    close().subscribe();
  }

  /** Whether supervision has ended. */
  @Override
  public boolean isDisposed() {
    return finished.get();
  }

  private Flux<Frame> attempt() {
    if (closing) {
      return Flux.empty();
    }
    int attempt = outage.attempt();
    events.connecting(attempt);
    OutboundBuffer.Outbound outbound = buffer.newOutbound();
    AtomicReference<LiveConnection> mine = new AtomicReference<>();
    return transport
        .connect(outbound)
        .switchIfEmpty(
            Mono.error(
                () ->
                    new IllegalStateException(
                        "transport " + transport + " completed without a connection")))
        .takeUntilOther(closeRequested.asMono())
        .flatMapMany(
            connection -> {
              events.connected(attempt);
              LiveConnection watched =
                  new LiveConnection(
                      connection, outbound, heartbeat, scheduler, events, outage::reset);
              mine.set(watched);
              live.set(watched);
              if (closing) {
                watched.close(Frame.close(1000, "")).subscribe();
              }
              return watched;
            })
        .doOnError(
            e -> {
              LiveConnection watched = mine.get();
              events.disconnected(attempt, e, watched == null ? 0 : watched.unconfirmedFrames());
            })
        .doFinally(
            signal -> {
              outbound.detach();
              live.compareAndSet(mine.get(), null);
              if (closing) {
                requestClose();
              }
            });
  }

  /** Stops a pending reconnect delay or handshake. */
  private void requestClose() {
    // Results considered: OK, or FAIL_TERMINATED when requested before: both leave the signal
    // emitted. FAIL_NON_SERIALIZED would mean a concurrent request, which emitted it too.
    closeRequested.tryEmitEmpty();
  }

  private Throwable exhausted(Throwable retryExhausted) {
    int attempts = outage.reconnectAttempts();
    Throwable cause =
        retryExhausted.getCause() == null ? retryExhausted : retryExhausted.getCause();
    events.exhausted(attempts, cause);
    return new ReconnectsExhaustedException(attempts, cause);
  }

  private void finish(SignalType signal) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    closing = true;
    Throwable error = terminalError;
    buffer.terminate(
        error != null
            ? error
            : new SupervisorClosedException(
                signal == SignalType.CANCEL
                    ? "supervision ended: the inbound stream was cancelled before this frame was"
                        + " sent"
                    : "supervision ended: the connection was closed before this frame was sent"));
    events.closed(error);
    // Results considered: OK; FAIL_TERMINATED cannot happen (guarded by finished).
    terminated.tryEmitEmpty();
  }
}
