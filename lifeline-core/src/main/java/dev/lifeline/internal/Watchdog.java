package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The liveness rule of one connection, for the client's connections and the server's alike: a
 * last-inbound stamp, one timer, and the awaiting-answer mark.
 *
 * <p><b>Confined</b> to its owner's serial context (a {@link Mailbox} on the client, the channel's
 * event loop on the server), given as the {@link Executor} its timer hops into: every method is
 * called from there, and the fields are plain.
 *
 * <p>With a heartbeat (C2, C3, C10): after {@code interval} without inbound traffic a heartbeat
 * goes out; if nothing at all arrives within {@code timeout} after it, it is unanswered, and the
 * next one goes at once, until {@link Heartbeat#unansweredLimit()} in a row are: then the peer is
 * dead. Without one (the server's idle limit): after {@code interval} of silence the peer is dead.
 * Per frame the owner calls {@link #stamp()}, which reads the clock and writes one field; nothing
 * is rescheduled per frame. When the timer fires it either sleeps until {@code lastInbound +
 * interval} or acts.
 *
 * <p>A peer is never judged dead while its owner is not {@linkplain Owner#reading() reading} (the
 * application's backpressure holds the answer unread): the timeout is checked again a timeout
 * later. Nor by a tick that runs more than {@link #PAUSE_NANOS} after it was due (the process was
 * paused): the peer gets a fresh heartbeat instead. After a suspension ({@link #probe()}) a
 * heartbeat goes at once.
 */
public final class Watchdog implements Runnable {

  /** What the watchdog asks of and tells its owner; called from the owner's context. */
  public interface Owner {
    /** Sends {@code ping}, heartbeat number {@code sequence}, ahead of any waiting frame. */
    void sendHeartbeat(long sequence, Frame ping);

    /** Heartbeat {@code sequence} was answered after {@code roundTrip}. */
    void heartbeatAnswered(long sequence, Duration roundTrip);

    /** Whether the connection is read now, so that an answer could arrive. */
    boolean reading();

    /**
     * The peer is dead: nothing arrived for {@code silence}; the {@code unanswered} heartbeats up
     * to {@code sequence} went unanswered, after {@code answered} answered ones.
     */
    void dead(long sequence, long answered, int unanswered, Duration silence);

    /**
     * The scheduler refused the watchdog's timer (it was disposed, or its executor shut down): the
     * connection can no longer be watched, and the watchdog has stopped. A connection no one
     * watches could die unnoticed, so the owner ends it.
     */
    void unwatchable(RejectedExecutionException refused);
  }

  /**
   * How much later than scheduled a timeout tick may run before it is taken for a local pause: 1 s
   * (timers on a loaded machine run milliseconds late, not seconds).
   */
  static final long PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A tick this much before its timer's due time belongs to a timer replaced since. */
  private static final long STALE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Scheduler scheduler;
  private final Executor context;
  private final Heartbeat heartbeat;
  private final Owner owner;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final int unansweredLimit;
  private final Runnable tick;

  private Disposable timer;

  /** When the timer should fire, by the monotonic clock: a tick far later is a local pause. */
  private long dueAt;

  private boolean stopped;
  private long lastInbound;

  /** Whether a heartbeat waits for any inbound traffic (the timeout runs). */
  private boolean awaiting;

  /** The heartbeat waiting for its answer (its pong), 0 for none. */
  private long outstanding;

  private long sequence;
  private long answered;

  /** Heartbeats in a row whose timeout passed with nothing from the peer, in this silence. */
  private int unanswered;

  private long sentAt;
  private long silentSince;

  /**
   * @param heartbeat what to send after {@code interval} of silence, or null to declare the peer
   *     dead then
   * @param tick runs {@link #tick()}: what the timer hands to {@code context} (an object the owner
   *     has anyway, so that a watchdog costs no extra object per connection)
   */
  public Watchdog(
      Scheduler scheduler,
      Executor context,
      Runnable tick,
      Heartbeat heartbeat,
      Duration interval,
      Duration timeout,
      Owner owner) {
    this.scheduler = scheduler;
    this.context = context;
    this.tick = tick;
    this.heartbeat = heartbeat;
    this.owner = owner;
    this.intervalNanos = interval.toNanos();
    this.timeoutNanos = timeout.toNanos();
    this.unansweredLimit = heartbeat == null ? 1 : heartbeat.unansweredLimit();
  }

  /** The connection is up: silence is counted from now. */
  public void start() {
    lastInbound = now();
    schedule(intervalNanos);
  }

  /** Traffic arrived from the peer: it is alive. */
  public void stamp() {
    lastInbound = now();
    awaiting = false;
  }

  /** Whether a heartbeat waits for its answer: a frame its dialect recognises is that answer. */
  public boolean awaitingAnswer() {
    return outstanding != 0;
  }

  /** The answer to the outstanding heartbeat arrived (after {@link #stamp()}). */
  public void answered() {
    long seq = outstanding;
    if (seq != 0) {
      outstanding = 0;
      answered++;
      owner.heartbeatAnswered(seq, Duration.ofNanos(now() - sentAt));
    }
  }

  /** How many heartbeats were answered. */
  public long answeredCount() {
    return answered;
  }

  /** Ends watching: the timer is cancelled, and a tick already on its way is ignored. */
  public void stop() {
    stopped = true;
    Disposable pending = timer;
    timer = null;
    if (pending != null) {
      pending.dispose();
    }
  }

  public long now() {
    return scheduler.now(TimeUnit.NANOSECONDS);
  }

  private void schedule(long delayNanos) {
    if (stopped) {
      return;
    }
    Disposable previous = timer;
    if (previous != null) {
      previous.dispose(); // one timer at a time (a no-op for the one that just fired)
    }
    dueAt = now() + delayNanos;
    try {
      timer = scheduler.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException refused) {
      stopped = true;
      timer = null;
      owner.unwatchable(refused);
    }
  }

  /**
   * The process or machine was suspended ({@link SuspendDetector}): with a heartbeat, one goes at
   * once, unless one sent since is still within its timeout, and the peer has a timeout from now to
   * answer; the idle limit counts silence from now. Never a death by itself.
   */
  public void probe() {
    if (stopped) {
      return;
    }
    long now = now();
    // every path below reschedules, and schedule() replaces the pending timer
    if (heartbeat == null) {
      lastInbound = now;
      schedule(intervalNanos);
      return;
    }
    if (awaiting && now < sentAt + timeoutNanos) {
      schedule(Math.min(intervalNanos, sentAt + timeoutNanos - now));
      return;
    }
    if (!awaiting) {
      awaiting = true;
      silentSince = lastInbound;
      unanswered = 0;
    }
    sendHeartbeat(now);
  }

  /** On the timer's thread: into the owner's context, where {@code tick} calls {@link #tick()}. */
  @Override
  public void run() {
    context.execute(tick);
  }

  /** In the owner's context: the timer fired. */
  public void tick() {
    if (stopped) {
      return;
    }
    long now = now();
    if (now < dueAt - STALE_NANOS) {
      // the tick of a timer that had fired, waiting to get in, when probe() replaced it: the
      // current timer carries on; acting here would start a second chain
      return;
    }
    if (awaiting) {
      long deadline = sentAt + timeoutNanos;
      if (now < deadline) {
        schedule(Math.min(intervalNanos, deadline - now));
        return;
      }
      if (now - dueAt > PAUSE_NANOS) {
        // This tick comes far later than scheduled: this process was paused (or its serial context
        // was held), and an answer that arrived meanwhile may still wait unread. Not a death: the
        // peer gets a fresh heartbeat and its timeout from now, uncounted.
        sendHeartbeat(now);
        return;
      }
      if (!owner.reading()) {
        // nothing is read from the connection, so the answer may be waiting unread: the peer
        // cannot be judged until reading resumes
        schedule(timeoutNanos);
        return;
      }
      if (++unanswered < unansweredLimit) {
        sendHeartbeat(now); // the silence goes on: the next heartbeat goes at this instant (C10)
        return;
      }
      dead(now);
      return;
    }
    long due = lastInbound + intervalNanos;
    if (now < due) {
      schedule(due - now);
      return;
    }
    if (heartbeat == null) {
      if (now - dueAt > PAUSE_NANOS) {
        // this process was paused: its silence is counted from now, never a reaping by itself
        lastInbound = now;
        schedule(intervalNanos);
        return;
      }
      if (!owner.reading()) {
        schedule(intervalNanos);
        return;
      }
      silentSince = lastInbound;
      dead(now);
      return;
    }
    awaiting = true;
    silentSince = lastInbound;
    unanswered = 0;
    sendHeartbeat(now);
  }

  private void sendHeartbeat(long now) {
    long seq = ++sequence;
    sentAt = now;
    outstanding = seq;
    owner.sendHeartbeat(seq, heartbeat.newPing(seq));
    // Waking at least once an interval while the answer is awaited keeps the next heartbeat exact
    // (last frame + interval) even when the timeout is longer than the interval.
    schedule(Math.min(intervalNanos, timeoutNanos));
  }

  private void dead(long now) {
    stop();
    owner.dead(sequence, answered, Math.max(1, unanswered), Duration.ofNanos(now - silentSince));
  }
}
