package dev.lifeline.internal;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.ReconnectsExhaustedException;
import dev.lifeline.SupervisorClosedException;
import dev.lifeline.Transport;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;
import reactor.util.retry.Retry;

/**
 * The machinery behind one {@code SupervisedConnection}: a single operator that runs the attempts
 * one after the other (C4), relays each live connection's frames to the application with its demand
 * carried over from one connection to the next, hands failures to the {@link Outage}, and ends
 * supervision once. It replaces {@code defer → retryWhen → flatMapMany} and their helpers, so a
 * healthy connection holds this object, its {@link LiveConnection} and its transport, and the frame
 * path has one hop between them and the application.
 *
 * <p>Phases: {@code IDLE} before subscription, {@code CONNECTING} while an attempt's handshake is
 * in flight, {@code OPEN} while its connection is live, {@code WAITING} while the retry policy
 * decides, {@code DONE} once supervision ends or the application cancelled. Every transition is a
 * compare-and-set, so a close racing with a handshake, a failure or a reconnect resolves to exactly
 * one outcome; whoever sets {@code DONE} ends supervision, then gives the application its terminal
 * signal. {@code closing} is written before the phase is read by {@link #close()}, and read after
 * every phase change by the other side, so one of the two always sees the other.
 *
 * <p>Demand is carried across connections by an {@link Arbiter}: what the application requested and
 * the current connection has not delivered is requested from the next one.
 */
public final class Session extends Flux<Frame> implements CoreSubscriber<Frame>, Subscription {

  private static final int IDLE = 0;
  private static final int CONNECTING = 1;
  private static final int OPEN = 2;
  private static final int WAITING = 3;
  private static final int DONE = 4;

  private static final AtomicIntegerFieldUpdater<Session> PHASE =
      AtomicIntegerFieldUpdater.newUpdater(Session.class, "phase");
  private static final AtomicIntegerFieldUpdater<Session> STATE =
      AtomicIntegerFieldUpdater.newUpdater(Session.class, "state");
  private static final AtomicIntegerFieldUpdater<Session> RECONNECTS =
      AtomicIntegerFieldUpdater.newUpdater(Session.class, "reconnects");

  /** {@link #state}: not subscribed yet. */
  private static final int NEW = 0;

  /** {@link #state}: subscribed, or closed before anyone subscribed. */
  private static final int STARTED = 1;

  /** {@link #state}: supervision ended (the buffer failed, {@code Closed} emitted). */
  private static final int FINISHED = 2;

  private final Transport transport;
  private final Heartbeat heartbeat;
  private final Scheduler scheduler;
  private final EventLog events;
  private final Outage outage;
  private final OutboundBuffer buffer;

  /** Made by the first {@link #close()}: what it waits for. See {@link #terminated()}. */
  private volatile Sinks.Empty<Void> terminated;

  private CoreSubscriber<? super Frame> actual;

  /**
   * The context of every handshake, computed at the first; see {@link Attempt#currentContext()}.
   */
  private volatile Context handshakeContext;

  private volatile int phase;
  private volatile int state;
  private volatile boolean closing;
  private volatile boolean closedBeforeStart;

  /** The error of a retry policy that ended while an attempt it fired was under way. */
  private volatile Throwable policyError;

  private volatile Attempt attempt;
  private volatile LiveConnection live;

  @SuppressWarnings("unused") // accessed through RECONNECTS
  private volatile int reconnects;

  /** The application's demand, carried from one live connection to the next. */
  private final Arbiter demand = new Arbiter();

  /** Frames the current live connection delivered; settled with {@link #demand} when it ends. */
  private long produced;

  public Session(
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
    this.outage = new Outage(retry, retryable, scheduler, events, new Decisions());
    this.buffer = new OutboundBuffer(outboundBufferCapacity);
  }

  public Flux<ConnectionEvent> events() {
    return events.events();
  }

  public Mono<Void> send(Frame frame) {
    return buffer.send(frame);
  }

  public Mono<Void> sendAll(Publisher<? extends Frame> frames) {
    return buffer.sendAll(frames);
  }

  /** Whether supervision has ended. */
  public boolean isFinished() {
    return state == FINISHED;
  }

  /** Ends supervision; see {@code SupervisedConnection.close()}. */
  public Mono<Void> close() {
    return Mono.defer(
        () -> {
          closing = true;
          if (STATE.compareAndSet(this, NEW, STARTED)) {
            closedBeforeStart = true;
            finish(SignalType.ON_COMPLETE, null);
            return terminated().asMono();
          }
          return stop().onErrorResume(e -> Mono.empty()).then(terminated().asMono());
        });
  }

  /** Acts on {@code closing} in whatever phase the session is; see the class comment. */
  private Mono<Void> stop() {
    for (; ; ) {
      switch (phase) {
        case OPEN:
          LiveConnection connection = live;
          // The closing handshake: frames the peer sends before its close frame still reach the
          // application, whose stream completes when the connection has closed. A connection not
          // published yet is closed by watch(), which reads closing after publishing it.
          return connection == null
              ? Mono.empty()
              : connection.close(LiveConnection.NORMAL_CLOSURE);
        case CONNECTING:
          if (PHASE.compareAndSet(this, CONNECTING, DONE)) {
            abandon();
            endNormally();
            return Mono.empty();
          }
          break;
        case WAITING:
          if (PHASE.compareAndSet(this, WAITING, DONE)) {
            endNormally();
            return Mono.empty();
          }
          break;
        default:
          // IDLE: subscribe() reads closing after leaving it. DONE: nothing left to stop.
          return Mono.empty();
      }
    }
  }

  // ---- the application's side -------------------------------------------------------------

  @Override
  public void subscribe(CoreSubscriber<? super Frame> actual) {
    if (!STATE.compareAndSet(this, NEW, STARTED)) {
      if (closedBeforeStart) {
        Operators.complete(actual);
      } else {
        Operators.error(
            actual,
            new IllegalStateException(
                "inbound() of a SupervisedConnection can be subscribed once and already was;"
                    + " use share() or publish() to give it several subscribers"));
      }
      return;
    }
    this.actual = actual;
    actual.onSubscribe(this);
    if (closing) {
      if (PHASE.compareAndSet(this, IDLE, DONE)) {
        endNormally();
      }
      return;
    }
    if (PHASE.compareAndSet(this, IDLE, CONNECTING)) {
      reconnect();
    }
  }

  @Override
  public void request(long n) {
    if (Operators.validate(n)) {
      demand.request(n);
    }
  }

  @Override
  public void cancel() {
    if (demand.isCancelled()) {
      return;
    }
    // DONE before closing: a path that sees closing then finds the phase taken, so a cancelled
    // application gets no terminal signal from a reconnect or handshake racing this cancel
    int was = PHASE.getAndSet(this, DONE);
    closing = true;
    demand.cancel(); // cancels the live connection, which closes it with 1000 (C1)
    if (was == CONNECTING) {
      abandon();
    }
    finish(SignalType.CANCEL, null);
  }

  // ---- the live connection's side ---------------------------------------------------------

  @Override
  public Context currentContext() {
    return actual.currentContext();
  }

  @Override
  public void onSubscribe(Subscription s) {
    demand.set(s);
  }

  @Override
  public void onNext(Frame frame) {
    produced++;
    actual.onNext(frame);
  }

  @Override
  public void onError(Throwable error) {
    settleProduced();
    failed(OPEN, error);
  }

  @Override
  public void onComplete() {
    // A live connection completes only after the application (or a retry policy that ended) asked
    // to close.
    settleProduced();
    if (PHASE.getAndSet(this, DONE) != DONE) {
      endNormally();
    }
  }

  private void settleProduced() {
    long p = produced;
    if (p != 0) {
      produced = 0;
      demand.produced(p);
    }
  }

  // ---- attempts ---------------------------------------------------------------------------

  /** Abandons the attempt in flight (if {@link #connect()} published it yet: it checks too). */
  private void abandon() {
    Attempt abandoned = attempt;
    if (abandoned != null) {
      abandoned.abandon();
      abandoned.ended(null);
    }
  }

  /** Starts the next attempt; trampolined, so a transport failing at once cannot recurse. */
  private void reconnect() {
    if (RECONNECTS.getAndIncrement(this) != 0) {
      return;
    }
    do {
      connect();
    } while (RECONNECTS.decrementAndGet(this) != 0);
  }

  private void connect() {
    Attempt next = new Attempt(outage.attempt(), buffer.newOutbound());
    attempt = next;
    if (closing || phase != CONNECTING) {
      if (PHASE.compareAndSet(this, CONNECTING, DONE)) {
        endNormally();
      }
      return;
    }
    events.connecting(next.number);
    Mono<? extends Transport.Connection> handshake;
    try {
      handshake = transport.connect(next.outbound);
    } catch (Throwable e) {
      next.onError(Operators.onOperatorError(e, currentContext()));
      return;
    }
    handshake.subscribe(next);
  }

  /** An attempt ended with {@code failure} while the session was in {@code from}. */
  private void failed(int from, Throwable failure) {
    if (closing) {
      if (PHASE.getAndSet(this, DONE) != DONE) {
        endNormally();
      }
      return;
    }
    if (!outage.retryable(failure)) {
      if (PHASE.getAndSet(this, DONE) != DONE) {
        endWith(failure);
      }
      return;
    }
    if (!PHASE.compareAndSet(this, from, WAITING)) {
      return;
    }
    if (closing) {
      if (PHASE.compareAndSet(this, WAITING, DONE)) {
        endNormally();
      }
      return;
    }
    outage.failed(failure, currentContext());
  }

  private final class Decisions implements Outage.Decisions {
    @Override
    public void reconnect() {
      if (PHASE.compareAndSet(Session.this, WAITING, CONNECTING)) {
        Session.this.reconnect();
      }
    }

    @Override
    public void giveUp(Throwable error) {
      policyEnded(error);
    }

    @Override
    public void stop() {
      policyEnded(null);
    }
  }

  /** The retry policy's companion ended: with {@code error}, or completed when null. */
  private void policyEnded(Throwable error) {
    if (PHASE.compareAndSet(this, WAITING, DONE)) {
      if (error == null) {
        endNormally();
      } else {
        endWith(policyError(error));
      }
      return;
    }
    // It ended right after firing a reconnect (Retry.from(s -> s.take(n)) does): supervision ends
    // and that attempt is stopped, as Reactor's retryWhen cancels it. An open connection is closed
    // as close()
    // closes it, so the application's terminal signal still comes after its last frame, from the
    // connection's thread; endNormally() then ends with the policy's error if it had one.
    policyError = error;
    closing = true;
    stop(); // an open connection's close() subscribes itself
  }

  private Throwable policyError(Throwable error) {
    return Exceptions.isRetryExhausted(error) ? exhausted(error) : error;
  }

  /**
   * One connection attempt: its number in the outage, its outbound stream, its handshake, and its
   * end, which is reported once whether the handshake failed or an established connection ended.
   */
  private final class Attempt
      implements CoreSubscriber<Transport.Connection>, LiveConnection.Owner {
    final int number;
    final OutboundBuffer.Outbound outbound;
    private volatile Subscription handshake;
    private volatile boolean abandoned;
    private volatile boolean ended;
    private volatile LiveConnection watched;
    private boolean connected;

    Attempt(int number, OutboundBuffer.Outbound outbound) {
      this.number = number;
      this.outbound = outbound;
    }

    /**
     * The application's context, plus a discard hook: a connection whose handshake completes just
     * after the attempt was abandoned is dropped by the transport's {@code Mono}, and disposed
     * here.
     */
    @Override
    public Context currentContext() {
      Context context = handshakeContext;
      if (context == null) {
        context =
            Operators.enableOnDiscard(Session.this.currentContext(), Session::disposeDiscarded);
        handshakeContext = context;
      }
      return context;
    }

    @Override
    public void onSubscribe(Subscription s) {
      handshake = s;
      if (abandoned) {
        s.cancel();
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Transport.Connection connection) {
      connected = true;
      if (!PHASE.compareAndSet(Session.this, CONNECTING, OPEN)) {
        // a connection that completes its handshake just as the attempt is abandoned is closed,
        // not left open with nobody to close it
        connection.dispose();
        return;
      }
      events.connected(number);
      LiveConnection watch =
          new LiveConnection(connection, outbound, heartbeat, scheduler, events, this);
      watched = watch;
      live = watch;
      if (closing) {
        watch.close(LiveConnection.NORMAL_CLOSURE); // subscribed by close() itself
      }
      watch.subscribe(Session.this);
    }

    @Override
    public void onError(Throwable error) {
      if (connected || abandoned) {
        Operators.onErrorDropped(error, currentContext());
        return;
      }
      ended(error);
      failed(CONNECTING, error);
    }

    @Override
    public void onComplete() {
      if (connected || abandoned) {
        return;
      }
      onError(
          new IllegalStateException("transport " + transport + " completed without a connection"));
    }

    /** The session no longer wants this handshake. */
    void abandon() {
      abandoned = true;
      Subscription s = handshake;
      if (s != null) {
        s.cancel();
      }
    }

    @Override
    public void provenAlive() {
      outage.reset();
    }

    /** The attempt ended: with {@code cause}, or normally (closed, cancelled) when null. */
    @Override
    public synchronized void ended(Throwable cause) {
      if (ended) {
        return;
      }
      ended = true;
      outbound.detach();
      LiveConnection watch = watched;
      if (watch != null && live == watch) {
        live = null;
      }
      if (cause != null) {
        events.disconnected(number, cause, watch == null ? 0 : watch.unconfirmedFrames());
      }
    }
  }

  private static void disposeDiscarded(Object discarded) {
    if (discarded instanceof Transport.Connection connection) {
      connection.dispose();
    }
  }

  // ---- the end ----------------------------------------------------------------------------

  private void endNormally() {
    Throwable policy = policyError;
    if (policy != null) {
      endWith(policyError(policy));
      return;
    }
    // supervision ends first, so an application that stops at the terminal signal has seen
    // every event (Closed last) and finds the connection disposed
    finish(SignalType.ON_COMPLETE, null);
    actual.onComplete();
  }

  private void endWith(Throwable error) {
    finish(SignalType.ON_ERROR, error);
    actual.onError(error);
  }

  private Throwable exhausted(Throwable retryExhausted) {
    int attempts = outage.reconnectAttempts();
    Throwable cause =
        retryExhausted.getCause() == null ? retryExhausted : retryExhausted.getCause();
    events.exhausted(attempts, cause);
    return new ReconnectsExhaustedException(attempts, cause);
  }

  /** Ends supervision once: {@code error} is the application's terminal error, null for none. */
  private void finish(SignalType signal, Throwable error) {
    if (STATE.getAndSet(this, FINISHED) == FINISHED) {
      return;
    }
    closing = true;
    // the companion of the current outage, pending or idle since its last reconnect
    outage.cancel();
    // Let go of the last connection, ended by now or abandoned: an application that keeps a closed
    // SupervisedConnection must not keep its socket state. The arbiter drops the upstream (and
    // cancels one that subscribes late); a connect() racing this one sees closing.
    attempt = null;
    demand.cancel();
    buffer.terminate(
        error != null
            ? error
            : new SupervisorClosedException(
                signal == SignalType.CANCEL
                    ? "supervision ended: the inbound stream was cancelled before this frame was"
                        + " sent"
                    : "supervision ended: the connection was closed before this frame was sent"));
    events.closed(error);
    Sinks.Empty<Void> waiting = terminated;
    if (waiting != null) {
      // Results considered: OK, or FAIL_TERMINATED if terminated() emitted it already; both
      // leave it emitted. FAIL_NON_SERIALIZED means terminated() is emitting it right now.
      waiting.tryEmitEmpty();
    }
  }

  /**
   * The signal {@link #close()} waits for, made on first use. {@link #finish} sets the state before
   * reading the field, and this method the field before reading the state: one of them emits.
   */
  private Sinks.Empty<Void> terminated() {
    Sinks.Empty<Void> signal = terminated;
    if (signal == null) {
      synchronized (this) {
        signal = terminated;
        if (signal == null) {
          signal = Sinks.empty();
          terminated = signal;
        }
      }
    }
    if (state == FINISHED) {
      signal.tryEmitEmpty();
    }
    return signal;
  }
}
