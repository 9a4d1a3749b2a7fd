package dev.lifeline;

import dev.lifeline.internal.EventLog;
import dev.lifeline.internal.LiveConnection;
import dev.lifeline.internal.Outage;
import dev.lifeline.internal.OutboundBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;
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
  private volatile boolean closedBeforeStart;
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
            if (closedBeforeStart) {
              return Flux.empty();
            }
            return Flux.error(
                new IllegalStateException(
                    "inbound() of a SupervisedConnection can be subscribed once and already was;"
                        + " use share() or publish() to give it several subscribers"));
          }
          if (closing) {
            return Flux.<Frame>empty().doFinally(this::finish);
          }
          return new SessionEnd(
              Flux.defer(this::attempt).retryWhen(outage.retry(closeRequested.asMono())));
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
            closedBeforeStart = true;
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
    Attempt attempt = new Attempt(outage.attempt(), buffer.newOutbound());
    events.connecting(attempt.number);
    return transport
        .connect(attempt.outbound)
        .switchIfEmpty(
            Mono.error(
                () ->
                    new IllegalStateException(
                        "transport " + transport + " completed without a connection")))
        .takeUntilOther(closeRequested.asMono())
        // a connection that completes its handshake just as the attempt is cancelled is closed,
        // not left open with nobody to close it
        .doOnDiscard(Transport.Connection.class, Transport.Connection::dispose)
        .doOnError(attempt::ended)
        .doOnCancel(() -> attempt.ended(null))
        .flatMapMany(attempt::watch);
  }

  /**
   * One connection attempt: its number in the outage, its outbound stream, and its end, which is
   * reported once whether the handshake failed or an established connection ended. Per-frame work
   * stays inside {@link LiveConnection}; nothing here sits on the frame path.
   */
  private final class Attempt {
    final int number;
    final OutboundBuffer.Outbound outbound;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile LiveConnection watched;

    Attempt(int number, OutboundBuffer.Outbound outbound) {
      this.number = number;
      this.outbound = outbound;
    }

    LiveConnection watch(Transport.Connection connection) {
      events.connected(number);
      LiveConnection connectionWatch =
          new LiveConnection(
              connection, outbound, heartbeat, scheduler, events, outage::reset, this::ended);
      watched = connectionWatch;
      live.set(connectionWatch);
      if (closing) {
        connectionWatch.close(Frame.close(1000, "")).subscribe();
      }
      return connectionWatch;
    }

    /** The attempt ended: with {@code cause}, or normally (closed, cancelled) when null. */
    void ended(Throwable cause) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      outbound.detach();
      LiveConnection connectionWatch = watched;
      live.compareAndSet(connectionWatch, null);
      if (cause != null) {
        events.disconnected(
            number, cause, connectionWatch == null ? 0 : connectionWatch.unconfirmedFrames());
      }
      if (closing) {
        requestClose();
      }
    }
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

  /**
   * The session's end, in one operator on the frame path instead of three: names an exhausted retry
   * policy's error (C6), records the terminal error, and ends supervision after the application saw
   * the terminal signal, or when it cancels.
   */
  private final class SessionEnd extends FluxOperator<Frame, Frame> {
    SessionEnd(Flux<Frame> source) {
      super(source);
    }

    @Override
    public void subscribe(CoreSubscriber<? super Frame> actual) {
      source.subscribe(new EndSubscriber(actual));
    }
  }

  private final class EndSubscriber implements CoreSubscriber<Frame>, Subscription {
    private final CoreSubscriber<? super Frame> actual;
    private Subscription upstream;

    EndSubscriber(CoreSubscriber<? super Frame> actual) {
      this.actual = actual;
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (Operators.validate(upstream, s)) {
        upstream = s;
        actual.onSubscribe(this);
      }
    }

    @Override
    public void onNext(Frame frame) {
      actual.onNext(frame);
    }

    @Override
    public void onError(Throwable error) {
      Throwable terminal = Exceptions.isRetryExhausted(error) ? exhausted(error) : error;
      terminalError = terminal;
      actual.onError(terminal);
      finish(SignalType.ON_ERROR);
    }

    @Override
    public void onComplete() {
      actual.onComplete();
      finish(SignalType.ON_COMPLETE);
    }

    @Override
    public void request(long n) {
      upstream.request(n);
    }

    @Override
    public void cancel() {
      upstream.cancel();
      finish(SignalType.CANCEL);
    }
  }
}
