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
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * One established connection under watch: relays the peer's application frames, keeps heartbeat
 * traffic away from the application (C8), sends heartbeats after a quiet interval (C2) and declares
 * the peer dead when nothing arrives within the timeout after one (C3).
 *
 * <p><b>Per frame</b> this records the scheduler's time in one field and how many frames had been
 * written by then; it schedules nothing and allocates nothing. One timer exists per connection at a
 * time. When it fires it compares the recorded time with the deadline and either sleeps again until
 * {@code lastInbound + interval} or sends a heartbeat; while a heartbeat waits, the recorded time
 * holds the {@link #AWAITING} marker, so the timeout check only asks whether any frame overwrote
 * the marker, immune to clock steps.
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

  /** {@link #lastInbound} while a heartbeat waits for any frame. */
  private static final long AWAITING = Long.MIN_VALUE;

  private static final VarHandle LAST_INBOUND;
  private static final VarHandle CONFIRMED;
  private static final VarHandle OUTSTANDING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      LAST_INBOUND = lookup.findVarHandle(LiveConnection.class, "lastInbound", long.class);
      CONFIRMED = lookup.findVarHandle(LiveConnection.class, "confirmed", long.class);
      OUTSTANDING = lookup.findVarHandle(LiveConnection.class, "outstanding", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Transport.Connection connection;
  private final OutboundBuffer.Outbound outbound;
  private final Heartbeat heartbeat;
  private final Scheduler scheduler;
  private final EventLog events;
  private final Runnable onProvenAlive;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final Disposable.Swap timer = Disposables.swap();

  private static final AtomicLongFieldUpdater<LiveConnection> DEMAND =
      AtomicLongFieldUpdater.newUpdater(LiveConnection.class, "demand");

  /** What the application requested and was not yet given. */
  private volatile long demand;

  private CoreSubscriber<? super Frame> actual;
  private Subscription upstream;

  /** Scheduler time of the last inbound frame, or {@link #AWAITING}. */
  @SuppressWarnings("unused") // accessed through LAST_INBOUND
  private volatile long lastInbound;

  /** Application frames written before the last inbound frame: those the peer outlived. */
  @SuppressWarnings("unused") // accessed through CONFIRMED
  private volatile long confirmed;

  /** The heartbeat waiting for its answer, 0 for none. */
  @SuppressWarnings("unused") // accessed through OUTSTANDING
  private volatile long outstanding;

  private volatile long sentAt;
  private volatile long answered;
  private volatile Frame.Close peerClose;
  private volatile PeerDeadException death;
  private volatile boolean closing;
  private boolean provenAlive;

  // Timer state, touched only by the timer task (one at a time).
  private long sequence;
  private long silentSince;
  private boolean awaiting;

  public LiveConnection(
      Transport.Connection connection,
      OutboundBuffer.Outbound outbound,
      Heartbeat heartbeat,
      Scheduler scheduler,
      EventLog events,
      Runnable onProvenAlive) {
    this.connection = connection;
    this.outbound = outbound;
    this.heartbeat = heartbeat;
    this.scheduler = scheduler;
    this.events = events;
    this.onProvenAlive = onProvenAlive;
    this.intervalNanos = heartbeat.interval().toNanos();
    this.timeoutNanos = heartbeat.timeout().toNanos();
  }

  /** Application frames written to this connection after the peer's last frame (C9). */
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
    connection.inbound().subscribe(this);
  }

  @Override
  public void onSubscribe(Subscription s) {
    if (Operators.validate(upstream, s)) {
      upstream = s;
      LAST_INBOUND.setRelease(this, scheduler.now(TimeUnit.NANOSECONDS));
      actual.onSubscribe(this);
      schedule(intervalNanos);
    }
  }

  @Override
  public void onNext(Frame frame) {
    LAST_INBOUND.setRelease(this, scheduler.now(TimeUnit.NANOSECONDS));
    CONFIRMED.setRelease(this, outbound.written());
    if (frame instanceof Frame.Text || frame instanceof Frame.Binary) {
      if (!provenAlive) {
        provenAlive();
      }
      if (!heartbeat.isPong(frame)) {
        if (demand != Long.MAX_VALUE) {
          DEMAND.decrementAndGet(this);
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
    stop();
    if (closing && death == null) {
      actual.onComplete();
    } else {
      actual.onError(death != null ? death : error);
    }
  }

  @Override
  public void onComplete() {
    stop();
    if (death != null) {
      actual.onError(death);
    } else if (closing) {
      actual.onComplete();
    } else {
      Frame.Close close = peerClose;
      actual.onError(
          close == null
              ? new ConnectionClosedException(ConnectionClosedException.ABNORMAL_CLOSURE, "")
              : new ConnectionClosedException(close.code(), close.reason()));
    }
  }

  @Override
  public void request(long n) {
    if (Operators.validate(n)) {
      Operators.addCap(DEMAND, this, n);
      upstream.request(n);
    }
  }

  @Override
  public void cancel() {
    upstream.cancel();
    if (!closing) {
      close(Frame.close(1000, ""));
    }
  }

  private void provenAlive() {
    provenAlive = true;
    onProvenAlive.run();
  }

  private void answer() {
    long seq = outstanding;
    if (seq != 0 && OUTSTANDING.compareAndSet(this, seq, 0L)) {
      answered = answered + 1;
      events.heartbeatAnswered(seq, Duration.ofNanos(scheduler.now(TimeUnit.NANOSECONDS) - sentAt));
    }
  }

  private void stop() {
    timer.dispose();
    outbound.detach();
  }

  private void schedule(long delayNanos) {
    timer.update(scheduler.schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS));
  }

  private void onTimer() {
    if (timer.isDisposed()) {
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
        if (demand == 0) {
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
