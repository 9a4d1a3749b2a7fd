package dev.lifeline.internal;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.PeerDeadException;
import dev.lifeline.Transport;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * One established connection under watch: relays the peer's application frames, keeps heartbeat
 * traffic away from the application (C8), sends heartbeats after a quiet interval (C2) and declares
 * the peer dead when nothing arrives within the timeout after one (C3).
 *
 * <p><b>Per frame</b> this records the scheduler's time in one field (or, when the transport
 * reports every read, per read, which also counts a frame still arriving); it schedules nothing and
 * allocates nothing. One timer exists per connection at a time. When it fires it compares the
 * recorded time with the deadline and either sleeps again until {@code lastInbound + interval} or
 * sends a heartbeat; while a heartbeat waits, the recorded time holds the {@link #AWAITING} marker,
 * so the timeout check only asks whether anything from the peer overwrote the marker, immune to
 * clock steps.
 *
 * <p>The inbound stream is backpressured end to end: while the application requests nothing,
 * nothing is read from the connection, so a heartbeat's answer may wait unread. The peer is then
 * not declared dead; the timeout is checked again, a timeout later, once demand returned.
 *
 * <p>The inbound stream ends with an error for every end the supervisor should reconnect after or
 * give up on: {@link PeerDeadException} when the watchdog killed the connection, {@link
 * ConnectionClosedException} when the peer closed it (1006 without a close frame), or the
 * transport's own error. It completes only after the application asked to close. Cancelling it
 * closes the connection with status 1000 (C1).
 */
public final class LiveConnection extends Flux<Frame>
    implements CoreSubscriber<Frame>, Subscription {

  /** What cancelling the inbound frames closes the connection with (C1). */
  public static final Frame.Close NORMAL_CLOSURE = Frame.close(1000, "");

  /** A close frame without a status code (RFC 6455, 7.1.5). */
  private static final int NO_STATUS = 1005;

  /** {@link #lastInbound} while a heartbeat waits for any frame. */
  private static final long AWAITING = Long.MIN_VALUE;

  private static final VarHandle LAST_INBOUND;
  private static final VarHandle CONFIRMED;
  private static final VarHandle OUTSTANDING;
  private static final VarHandle TIMER;
  private static final VarHandle DELIVERED;

  /** {@link #timer} once the connection ended: a task scheduled after that is disposed at once. */
  private static final Disposable STOPPED = () -> {};

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      LAST_INBOUND = lookup.findVarHandle(LiveConnection.class, "lastInbound", long.class);
      CONFIRMED = lookup.findVarHandle(LiveConnection.class, "confirmed", long.class);
      OUTSTANDING = lookup.findVarHandle(LiveConnection.class, "outstanding", long.class);
      TIMER = lookup.findVarHandle(LiveConnection.class, "timer", Disposable.class);
      DELIVERED = lookup.findVarHandle(LiveConnection.class, "delivered", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Transport.Connection connection;
  private final OutboundBuffer.Outbound outbound;
  private final Heartbeat heartbeat;
  private final Scheduler scheduler;
  private final EventLog events;
  private final Owner owner;
  private final long intervalNanos;
  private final long timeoutNanos;

  /** The pending timer task, or {@link #STOPPED} once the connection ended. */
  @SuppressWarnings("unused") // accessed through TIMER
  private volatile Disposable timer;

  private static final AtomicLongFieldUpdater<LiveConnection> REQUESTED =
      AtomicLongFieldUpdater.newUpdater(LiveConnection.class, "requested");

  /** What the application requested in all, capped at {@code Long.MAX_VALUE} (unbounded). */
  private volatile long requested;

  /**
   * Application frames given while demand was bounded; written by the reading thread alone (a
   * release store, no read-modify-write per frame), read by the timer for the demand rule.
   */
  @SuppressWarnings("unused") // accessed through DELIVERED
  private volatile long delivered;

  private CoreSubscriber<? super Frame> actual;
  private Subscription upstream;

  /** Whether the transport stamps {@link #lastInbound} at every read (see {@link #subscribe}). */
  private boolean stampedPerRead;

  /** Scheduler time of the last inbound frame (or read), or {@link #AWAITING}. */
  @SuppressWarnings("unused") // accessed through LAST_INBOUND
  private volatile long lastInbound;

  /**
   * Application frames the peer has certainly read: those written before its last answered
   * heartbeat. Other inbound frames prove the peer alive, not that it read ours: a frame it sent
   * before reading ours may arrive after ours was written, and ours may still die in between.
   */
  @SuppressWarnings("unused") // accessed through CONFIRMED
  private volatile long confirmed;

  /** The heartbeat waiting for its answer, 0 for none. */
  @SuppressWarnings("unused") // accessed through OUTSTANDING
  private volatile long outstanding;

  private volatile long sentAt;

  /** Application frames written before the outstanding heartbeat: its answer confirms them. */
  private volatile long writtenBeforeHeartbeat;

  private volatile long answered;
  private volatile Frame.Close peerClose;
  private volatile PeerDeadException death;
  private volatile boolean closing;
  private boolean provenAlive;
  // A transport that signals after terminating (an error, then a close) is ignored after the
  // first terminal signal: one connection ends once, so one reconnect follows (C4).
  private boolean done;
  private long connectedAt;

  // Timer state, touched only by the timer task (one at a time).
  private long sequence;
  private long silentSince;
  private boolean awaiting;

  /** Who is told what becomes of this connection. */
  public interface Owner {
    /** The peer's first frame arrived, or the peer ended a connection that stayed up (C5). */
    void provenAlive();

    /** The connection ended: with {@code cause}, or normally (closed, cancelled) when null. */
    void ended(Throwable cause);
  }

  public LiveConnection(
      Transport.Connection connection,
      OutboundBuffer.Outbound outbound,
      Heartbeat heartbeat,
      Scheduler scheduler,
      EventLog events,
      Owner owner) {
    this.connection = connection;
    this.outbound = outbound;
    this.heartbeat = heartbeat;
    this.scheduler = scheduler;
    this.events = events;
    this.owner = owner;
    this.intervalNanos = heartbeat.interval().toNanos();
    this.timeoutNanos = heartbeat.timeout().toNanos();
  }

  /** Application frames written to this connection after its last answered heartbeat (C9). */
  public long unconfirmedFrames() {
    return outbound.written() - (long) CONFIRMED.getAcquire(this);
  }

  /**
   * The application asked to close: ends the connection with {@code frame}, and the inbound stream
   * completes instead of erroring.
   */
  public Mono<Void> close(Frame.Close frame) {
    closing = true;
    stop();
    Mono<Void> closed = connection.close(frame).doOnError(e -> connection.dispose()).cache();
    closed.subscribe(null, e -> {});
    return closed;
  }

  @Override
  public void subscribe(CoreSubscriber<? super Frame> actual) {
    this.actual = actual;
    stampedPerRead = connection.onBytesReceived(this::bytesReceived);
    connection.inbound().subscribe(this);
  }

  /**
   * Bytes arrived, perhaps part of a frame: the peer is alive (a large frame over a slow link may
   * take longer than the heartbeat timeout to arrive whole). Every frame comes out of such a read,
   * in the same event-loop task, so the frame itself needs no second clock read.
   */
  private void bytesReceived() {
    LAST_INBOUND.setRelease(this, scheduler.now(TimeUnit.NANOSECONDS));
  }

  @Override
  public void onSubscribe(Subscription s) {
    if (Operators.validate(upstream, s)) {
      upstream = s;
      connectedAt = scheduler.now(TimeUnit.NANOSECONDS);
      LAST_INBOUND.setRelease(this, connectedAt);
      actual.onSubscribe(this);
      schedule(intervalNanos);
    }
  }

  @Override
  public void onNext(Frame frame) {
    if (done) {
      Operators.onNextDropped(frame, actual.currentContext());
      return;
    }
    if (!stampedPerRead) {
      LAST_INBOUND.setRelease(this, scheduler.now(TimeUnit.NANOSECONDS));
    }
    if (frame instanceof Frame.Text || frame instanceof Frame.Binary) {
      if (!provenAlive) {
        provenAlive();
      }
      // A text or binary answer is heartbeat traffic only while a heartbeat awaits it: the same
      // text at any other time is the application's.
      if (outstanding == 0 || !heartbeat.isPong(frame)) {
        if (requested != Long.MAX_VALUE) {
          DELIVERED.setRelease(this, (long) DELIVERED.getOpaque(this) + 1);
        }
        actual.onNext(frame);
        return;
      }
      answer();
    } else if (frame instanceof Frame.Close close) {
      peerClose = close;
    } else {
      if (!provenAlive) {
        provenAlive();
      }
      if (heartbeat.isPong(frame)) {
        answer();
      }
    }
    upstream.request(1);
  }

  @Override
  public void onError(Throwable error) {
    if (done) {
      Operators.onErrorDropped(error, actual.currentContext());
      return;
    }
    done = true;
    stop();
    establishedByUptime();
    if (closing && death == null) {
      owner.ended(
          error instanceof ConnectionClosedException refused && isRefusal(refused.code())
              ? refused
              : null);
      actual.onComplete();
    } else {
      Throwable cause = death != null ? death : error;
      owner.ended(cause);
      actual.onError(cause);
    }
  }

  @Override
  public void onComplete() {
    if (done) {
      return;
    }
    done = true;
    stop();
    establishedByUptime();
    if (closing && death == null) {
      owner.ended(refusalWhileClosing());
      actual.onComplete();
      return;
    }
    Frame.Close close = peerClose;
    Throwable cause =
        death != null
            ? death
            : close == null
                ? new ConnectionClosedException(ConnectionClosedException.ABNORMAL_CLOSURE, "")
                : new ConnectionClosedException(close.code(), close.reason());
    owner.ended(cause);
    actual.onError(cause);
  }

  @Override
  public void request(long n) {
    if (Operators.validate(n)) {
      Operators.addCap(REQUESTED, this, n);
      upstream.request(n);
    }
  }

  @Override
  public void cancel() {
    if (done) {
      // ended already (the session still points here while it waits to reconnect): nothing left
      // to close
      upstream.cancel();
      return;
    }
    done = true;
    if (!closing) {
      // before cancelling the transport's frames: the transport then knows this side closed, and
      // the peer gets our 1000 first
      close(NORMAL_CLOSURE);
    }
    upstream.cancel();
    owner.ended(null);
  }

  /**
   * The peer's own close status if it ended the connection with an error while the application was
   * closing it (its close crossed ours: a frame it refused with 1008, say), for the {@code
   * Disconnected} event; null for the usual answers (1000, 1001, no status).
   */
  private ConnectionClosedException refusalWhileClosing() {
    Frame.Close close = peerClose;
    if (close == null || !isRefusal(close.code())) {
      return null;
    }
    return new ConnectionClosedException(close.code(), close.reason());
  }

  private static boolean isRefusal(int code) {
    return code != 1000 && code != 1001 && code != NO_STATUS;
  }

  /**
   * A connection the peer ended after it stayed open for at least the heartbeat timeout counts as
   * established even if no frame arrived (a quiet feed behind a proxy that closes idle
   * connections), unlike one the peer ends at once (a flapping server) or one the watchdog found
   * dead (nothing ever came through it).
   */
  private void establishedByUptime() {
    if (!provenAlive
        && death == null
        && scheduler.now(TimeUnit.NANOSECONDS) - connectedAt >= timeoutNanos) {
      provenAlive();
    }
  }

  private void provenAlive() {
    provenAlive = true;
    owner.provenAlive();
  }

  private void answer() {
    long seq = outstanding;
    if (seq != 0 && OUTSTANDING.compareAndSet(this, seq, 0L)) {
      answered = answered + 1;
      // the answer came after the peer read every frame written before its heartbeat
      CONFIRMED.setRelease(this, writtenBeforeHeartbeat);
      events.heartbeatAnswered(seq, Duration.ofNanos(scheduler.now(TimeUnit.NANOSECONDS) - sentAt));
    }
  }

  private void stop() {
    Disposable pending = (Disposable) TIMER.getAndSet(this, STOPPED);
    if (pending != null) {
      pending.dispose();
    }
    outbound.detach();
  }

  private void schedule(long delayNanos) {
    Disposable task = scheduler.schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
    for (; ; ) {
      Object current = TIMER.getAcquire(this);
      if (current == STOPPED) {
        task.dispose();
        return;
      }
      if (TIMER.compareAndSet(this, current, task)) {
        return;
      }
    }
  }

  private void onTimer() {
    if (TIMER.getAcquire(this) == STOPPED) {
      return;
    }
    long now = scheduler.now(TimeUnit.NANOSECONDS);
    if (awaiting) {
      if ((long) LAST_INBOUND.getAcquire(this) == AWAITING) {
        long deadline = sentAt + timeoutNanos;
        if (now < deadline) {
          schedule(Math.min(intervalNanos, deadline - now));
          return;
        }
        long asked = requested;
        if (asked != Long.MAX_VALUE && asked - (long) DELIVERED.getAcquire(this) <= 0) {
          // The application requested nothing more, so nothing is read from the connection and
          // the answer may be waiting unread: the peer cannot be judged until demand returns.
          schedule(timeoutNanos);
          return;
        }
        dead(now);
        return;
      }
      awaiting = false;
    }
    long last = (long) LAST_INBOUND.getAcquire(this);
    long due = last + intervalNanos;
    if (now < due) {
      schedule(due - now);
      return;
    }
    if (!LAST_INBOUND.compareAndSet(this, last, AWAITING)) {
      // a frame arrived just now: it proves life, so the quiet interval starts again
      schedule(intervalNanos);
      return;
    }
    awaiting = true;
    silentSince = last;
    long seq = ++sequence;
    sentAt = now;
    writtenBeforeHeartbeat = outbound.written();
    OUTSTANDING.setVolatile(this, seq);
    events.heartbeatSent(seq);
    outbound.sendHeartbeat(heartbeat.newPing(seq));
    // Waking at least once an interval while the answer is awaited keeps the next heartbeat
    // exact (last frame + interval) even when the timeout is longer than the interval.
    schedule(Math.min(intervalNanos, timeoutNanos));
  }

  private void dead(long now) {
    long seq = sequence;
    death = new PeerDeadException(heartbeat.timeout(), seq, answered);
    // Detach first: a frame sent in reaction to the event must wait for the next connection,
    // not go into this dead one.
    stop();
    events.peerDead(seq, Duration.ofNanos(now - silentSince));
    connection.dispose();
  }
}
