package dev.lifeline.internal;

import dev.lifeline.ConnectionState;
import dev.lifeline.Frame;
import dev.lifeline.SupervisorClosedException;
import dev.lifeline.Transport;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The engine of one {@code SupervisedConnection}: one state machine that runs the attempts one
 * after the other (C4), relays each live connection's frames to the application with its demand
 * carried over from one connection to the next, hands failures to the {@link Outage}, and ends
 * supervision once.
 *
 * <p><b>One thread of control.</b> Every input — the application's subscribe, request, cancel,
 * close and sends; the transport's handshake results, frames, completion and errors; timer ticks;
 * retry decisions — runs inside this connection's {@link Mailbox}, one at a time. The state below,
 * and that of the {@link Link}, {@link Delivery}, {@link Watchdog}, {@link Outbox} and {@link
 * Outage} it owns, is plain fields. Read from outside are {@link #finished}, for {@code
 * isDisposed()}; the final {@link #events} and {@link #outbox}, whose own rules say what other
 * threads may call; and, for monitoring, the frame counts (the delivery's and the outbox's) and
 * {@link #traffic}, an immutable {@link Traffic} replaced once per connection (opaque stores
 * inside, opaque loads outside: a whole, recent value, with no fence on the frame's path).
 *
 * <p>States, in {@link #state}:
 *
 * <ul>
 *   <li>{@code IDLE}: not subscribed yet; nothing happens (C1).
 *   <li>{@code CONNECTING}: an attempt's handshake is in flight (exactly one, C4).
 *   <li>{@code OPEN}: its connection is live.
 *   <li>{@code CLOSING}: this side closed the live connection (the application's {@code close()},
 *       or a retry policy that ended while its reconnect was live) and waits for it to end; the
 *       peer's frames before its close still reach the application.
 *   <li>{@code WAITING}: the connection ended for a retryable reason; the retry policy decides.
 *   <li>{@code DONE}: supervision ended or the application cancelled. Final.
 * </ul>
 *
 * <p>The application's end of the stream, its demand carried from one connection to the next, is
 * the {@link Delivery}.
 */
public final class Supervision extends Flux<Frame>
    implements Subscription, Outage.Decisions, LongConsumer {

  private enum State {
    IDLE,
    CONNECTING,
    OPEN,
    CLOSING,
    WAITING,
    DONE
  }

  final Settings settings;
  final Mailbox mailbox;

  /** Its events and states, which the application reads as well. */
  public final EventLog events;

  /** Its outbound frames, where the application's sends go. */
  public final Outbox outbox;

  private static final VarHandle TRAFFIC;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      TRAFFIC = lookup.findVarHandle(Supervision.class, "traffic", Traffic.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The payload bytes moved so far; replaced inside, read by any thread: for monitoring. */
  private Traffic traffic = Traffic.NONE;

  /** The resume session, spanning the links; null without resume. */
  final Resumption resumption;

  private final Outage outage;

  /** Whether supervision ended; written inside, read by any thread for {@code isDisposed()}. */
  private volatile boolean finished;

  private State state = State.IDLE;

  /** The application's end of the inbound stream. */
  final Delivery delivery = new Delivery();

  private boolean started;
  private boolean subscribedOnce;

  private Link link;
  private Throwable policyError;
  private List<MonoSink<Void>> closers;
  private Context handshakeContext;

  public Supervision(Settings settings) {
    this.settings = settings;
    this.mailbox = new Mailbox(this, settings.name());
    this.events = new EventLog(settings.scheduler(), settings.name());
    this.outbox = new Outbox(mailbox, settings.outboundBufferCapacity());
    this.resumption = settings.resume() == null ? null : new Resumption(settings.resume());
    if (resumption != null) {
      outbox.resume(resumption);
    }
    this.outage =
        new Outage(
            settings.retry(), settings.retryable(), settings.scheduler(), events, mailbox, this);
  }

  public String name() {
    return settings.name();
  }

  /** Whether supervision has ended. */
  public boolean isFinished() {
    return finished;
  }

  /** Ends supervision; see {@code SupervisedConnection.close()}. Completes once it ended. */
  public Mono<Void> close() {
    return Mono.create(sink -> mailbox.execute(() -> closing(sink)));
  }

  // ---- the application's inputs ------------------------------------------------------------

  @Override
  public void subscribe(CoreSubscriber<? super Frame> subscriber) {
    mailbox.execute(() -> start(subscriber));
  }

  @Override
  public void request(long n) {
    if (Operators.validate(n)) {
      mailbox.request(n);
    }
  }

  @Override
  public void cancel() {
    mailbox.execute(this::cancelled);
  }

  private void start(CoreSubscriber<? super Frame> subscriber) {
    if (started) {
      if (finished && !subscribedOnce) {
        Operators.complete(subscriber); // closed before anyone subscribed
      } else {
        Operators.error(
            subscriber,
            new IllegalStateException(
                "inbound() of a SupervisedConnection can be subscribed once and already was;"
                    + " use share() or publish() to give it several subscribers"));
      }
      return;
    }
    started = true;
    subscribedOnce = true;
    delivery.subscribed(subscriber);
    subscriber.onSubscribe(this);
    connect();
  }

  /** Inside, from {@link Mailbox#request}: the application asked for {@code n} more. */
  @Override
  public void accept(long n) {
    if (!delivery.subscribed()) {
      return;
    }
    long forLink = delivery.requested(n);
    if (state != State.DONE && link != null && forLink > 0) {
      link.requestInbound(forLink);
    }
  }

  private void cancelled() {
    if (state == State.DONE) {
      // ended with frames held for the application, which no longer wants them
      delivery.cancelled();
      return;
    }
    state = State.DONE;
    Link current = link;
    if (current != null) {
      current.end(); // closes a live connection with 1000 (C1)
    }
    finish(null, true);
    delivery.cancelled(); // a cancelled subscriber is let go (RS §3.13)
  }

  private void closing(MonoSink<Void> sink) {
    if (finished) {
      sink.success();
      return;
    }
    if (closers == null) {
      closers = new ArrayList<>(1);
    }
    closers.add(sink);
    switch (state) {
      case IDLE -> {
        started = true;
        state = State.DONE;
        finish(null, false);
      }
      case OPEN -> {
        // The closing handshake: frames the peer sends before its close still reach the
        // application, whose stream completes when the connection has closed.
        enter(State.CLOSING);
        link.close(Link.NORMAL_CLOSURE);
      }
      case CONNECTING -> {
        state = State.DONE;
        link.abandon();
        endNormally();
      }
      case WAITING -> {
        state = State.DONE;
        endNormally();
      }
      default -> {
        // CLOSING: already on its way; DONE: finished above
      }
    }
  }

  /** Moves to {@code next}, published as the connection's {@link ConnectionState}. */
  private void enter(State next) {
    state = next;
    events.state(
        switch (next) {
          case CONNECTING -> ConnectionState.CONNECTING;
          case OPEN -> ConnectionState.CONNECTED;
          case CLOSING -> ConnectionState.CLOSING;
          case WAITING -> ConnectionState.WAITING;
          default -> throw new IllegalStateException("published by finish(): " + next);
        });
  }

  // ---- attempts ------------------------------------------------------------------------------

  private void connect() {
    enter(State.CONNECTING);
    Link next = new Link(this, outage.attempt());
    link = next;
    events.connecting(next.number);
    next.connect(settings.transport());
  }

  boolean isCurrent(Link candidate) {
    return link == candidate && state != State.DONE;
  }

  void handshakeDone(Link from, Transport.Connection connection) {
    if (link != from || state != State.CONNECTING) {
      // completed just as the attempt was abandoned: closed, not left open with nobody to close it
      connection.dispose();
      return;
    }
    enter(State.OPEN);
    TRAFFIC.setOpaque(this, traffic.opened(connection));
    events.connected(from.number);
    from.open(connection);
  }

  void handshakeFailed(Link from, Throwable error) {
    if (link != from || state != State.CONNECTING) {
      Operators.onErrorDropped(error, currentContext());
      return;
    }
    events.disconnected(from.number, error, 0);
    failed(error);
  }

  /**
   * {@code from}'s connection ended: normally (this side closed it; {@code cause} is the peer's
   * refusal if its close crossed ours, else null), or with {@code cause} to reconnect after.
   */
  void linkEnded(Link from, Throwable cause, boolean normal) {
    if (link != from || state == State.DONE) {
      return;
    }
    TRAFFIC.setOpaque(this, traffic.ended());
    if (cause != null) {
      events.disconnected(from.number, cause, from.unconfirmedFrames());
    }
    if (normal) {
      state = State.DONE;
      endNormally();
      return;
    }
    failed(cause);
  }

  /** The connection of the peer's first frame arrived, or it stayed up (C5). */
  void provenAlive() {
    outage.reset();
  }

  /** The current attempt failed with {@code failure}. */
  private void failed(Throwable failure) {
    if (state == State.CLOSING) {
      state = State.DONE;
      endNormally();
      return;
    }
    if (!outage.retryable(failure)) {
      state = State.DONE;
      endWith(failure);
      return;
    }
    enter(State.WAITING);
    outage.failed(failure, currentContext());
  }

  @Override
  public void reconnect() {
    if (state == State.WAITING) {
      connect();
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

  /** The retry policy's companion ended: with {@code error}, or completed when null. */
  private void policyEnded(Throwable error) {
    switch (state) {
      case WAITING -> {
        state = State.DONE;
        if (error == null) {
          endNormally();
        } else {
          endWith(outage.ended(error));
        }
      }
      case CONNECTING -> {
        // It ended right after firing a reconnect (Retry.from(s -> s.take(n)) does): supervision
        // ends and that attempt is stopped, as Reactor's retryWhen cancels it.
        policyError = error;
        state = State.DONE;
        link.abandon();
        endNormally();
      }
      case OPEN -> {
        // the same with the attempt connected: closed as close() closes it, so the application's
        // terminal signal still comes after its last frame
        policyError = error;
        enter(State.CLOSING);
        link.close(Link.NORMAL_CLOSURE);
      }
      case CLOSING -> policyError = error;
      default -> {
        // IDLE cannot be (no outage before the first attempt); DONE: nothing left to end
      }
    }
  }

  Context currentContext() {
    return delivery.currentContext();
  }

  /** The attempts' handshake context ({@link Handshake#context}), made once. */
  Context handshakeContext() {
    if (handshakeContext == null) {
      handshakeContext = Handshake.context(currentContext());
    }
    return handshakeContext;
  }

  // ---- the end -------------------------------------------------------------------------------

  private void endNormally() {
    Throwable policy = policyError;
    if (policy != null) {
      endWith(outage.ended(policy));
      return;
    }
    // supervision ends first, so an application that stops at the terminal signal has seen
    // every event (Closed last) and finds the connection disposed
    finish(null, false);
    delivery.end(null); // after the frames read while closing, once the application took them
  }

  private void endWith(Throwable error) {
    finish(error, false);
    delivery.end(error);
  }

  /** Ends supervision once: {@code error} is the application's terminal error, null for none. */
  private void finish(Throwable error, boolean cancelled) {
    if (finished) {
      return;
    }
    finished = true;
    state = State.DONE;
    // the companion of the current outage, pending or idle since its last reconnect
    outage.cancel();
    // Let go of the last connection, ended by now or abandoned: an application that keeps a closed
    // SupervisedConnection must not keep its socket state.
    Link last = link;
    link = null;
    if (last != null) {
      last.end();
    }
    TRAFFIC.setOpaque(this, traffic.ended());
    outbox.terminate(
        error != null
            ? error
            : new SupervisorClosedException(
                cancelled
                    ? "supervision ended: the inbound stream was cancelled before this frame was"
                        + " sent"
                    : "supervision ended: the connection was closed before this frame was sent"));
    events.closed(error);
    List<MonoSink<Void>> waiting = closers;
    closers = null;
    if (waiting != null) {
      waiting.forEach(MonoSink::success);
    }
  }

  /** Application frames received so far, from any thread: for monitoring. */
  public long framesReceived() {
    return delivery.received();
  }

  /** Payload bytes read over every connection, or -1: for monitoring, from any thread. */
  public long bytesReceived() {
    return ((Traffic) TRAFFIC.getOpaque(this)).received();
  }

  /** Payload bytes written over every connection, or -1: for monitoring, from any thread. */
  public long bytesSent() {
    return ((Traffic) TRAFFIC.getOpaque(this)).sent();
  }
}
