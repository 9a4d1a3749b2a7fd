package dev.lifeline.internal;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.ConnectionState;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Publishes a connection's {@link ConnectionEvent}s, stamped with the scheduler's time, to any
 * number of subscribers, and logs each at DEBUG. Events come from the transport's thread and from
 * timers; emission is serialized here, so the sink never sees concurrent calls.
 *
 * <p>Events go to the subscribers present when they happen, without a buffer (which would cost
 * every connection memory): subscribe before {@code inbound()} to see them all. A subscriber that
 * has not requested an event misses it rather than stalling the connection.
 */
public final class EventLog {
  private static final Logger log = LoggerFactory.getLogger("dev.lifeline.events");

  private final Scheduler scheduler;
  private final String name;

  /**
   * Made when {@link #events()} is first called: a connection nobody observes holds no sink and
   * builds no events (unless DEBUG logging is on). Unsafe (not serialized) since every emission
   * holds this object's lock.
   */
  private volatile Sinks.Many<ConnectionEvent> sink;

  /** The connection's state: written under this object's lock, read by any thread. */
  private volatile ConnectionState state = ConnectionState.NEW;

  /** Made when {@link #states()} is first called; replays the latest state. Guarded by this. */
  private Sinks.Many<ConnectionState> states;

  public EventLog(Scheduler scheduler, String name) {
    this.name = name;
    this.scheduler = scheduler;
  }

  public synchronized Flux<ConnectionEvent> events() {
    Sinks.Many<ConnectionEvent> events = sink;
    if (events == null) {
      events = Sinks.unsafe().many().multicast().directBestEffort();
      sink = events;
      if (state.isTerminal()) {
        // Results considered: OK only (a new sink, completed once, under the lock).
        events.tryEmitComplete();
      }
    }
    return events.asFlux();
  }

  /** The connection's state now. */
  public ConnectionState state() {
    return state;
  }

  /** The state now, then every change; completes after the terminal state. */
  public synchronized Flux<ConnectionState> states() {
    Sinks.Many<ConnectionState> sink = states;
    if (sink == null) {
      sink = Sinks.unsafe().many().replay().latest();
      states = sink;
      // Results considered: OK only (a new sink, written once or twice under the lock).
      sink.tryEmitNext(state);
      if (state.isTerminal()) {
        sink.tryEmitComplete();
      }
    }
    return sink.asFlux();
  }

  /**
   * The connection is now {@code next}, announced before the event that says why; nothing after a
   * terminal state.
   */
  public synchronized void state(ConnectionState next) {
    ConnectionState previous = state;
    if (previous == next || previous.isTerminal()) {
      return;
    }
    state = next;
    Sinks.Many<ConnectionState> sink = states;
    if (sink != null) {
      // Results considered: OK; FAIL_TERMINATED cannot happen (nothing after a terminal state);
      // FAIL_NON_SERIALIZED cannot happen (synchronized); a replay sink does not overflow.
      sink.tryEmitNext(next);
      if (next.isTerminal()) {
        sink.tryEmitComplete();
      }
    }
  }

  /** Whether an event would reach anyone: a subscriber's sink, or the DEBUG log. */
  private boolean observed() {
    return sink != null || log.isDebugEnabled();
  }

  /**
   * The scheduler's wall-clock time: {@code now(MILLISECONDS)} is the epoch time on Reactor's
   * schedulers and the virtual time on a {@code VirtualTimeScheduler} ({@code now(NANOSECONDS)},
   * used for durations, is monotonic and has no epoch).
   */
  public Instant now() {
    return Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS));
  }

  public void connecting(int attempt) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.Connecting(now(), name, attempt));
  }

  public void connected(int attempt) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.Connected(now(), name, attempt));
  }

  public void heartbeatSent(long sequence) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.HeartbeatSent(now(), name, sequence));
  }

  public void heartbeatAnswered(long sequence, Duration roundTrip) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.HeartbeatAnswered(now(), name, sequence, roundTrip));
  }

  public void peerDead(long sequence, int unanswered, Duration silence) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.PeerDead(now(), name, sequence, silence, unanswered));
  }

  public void disconnected(int attempt, Throwable cause, long unconfirmedFrames) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.Disconnected(now(), name, attempt, cause, unconfirmedFrames));
  }

  public void sessionStarted(int attempt) {
    if (observed()) {
      emit(new ConnectionEvent.SessionStarted(now(), name, attempt));
    }
  }

  public void sessionResumed(int attempt, long replayed, Duration downtime) {
    if (observed()) {
      emit(new ConnectionEvent.SessionResumed(now(), name, attempt, replayed, downtime));
    }
  }

  public void sessionLost(int attempt, long unconfirmed) {
    if (unconfirmed > 0) {
      log.atWarn()
          .addKeyValue("connection", name)
          .log(
              "{}: resume session lost: the server no longer knows it; {} frames written and"
                  + " never acknowledged may not have arrived, and a new session starts",
              name,
              unconfirmed);
    }
    if (observed()) {
      emit(new ConnectionEvent.SessionLost(now(), name, attempt, unconfirmed));
    }
  }

  public void reconnectScheduled(int attempt, Duration delay) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.ReconnectScheduled(now(), name, attempt, delay));
  }

  public void exhausted(int attempts, Throwable cause) {
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.Exhausted(now(), name, attempts, cause));
  }

  /** Emits {@link ConnectionEvent.Closed} and completes the stream. */
  public synchronized void closed(Throwable cause) {
    state(cause == null ? ConnectionState.CLOSED : ConnectionState.FAILED);
    if (!observed()) {
      return;
    }
    emit(new ConnectionEvent.Closed(now(), name, cause));
    Sinks.Many<ConnectionEvent> events = sink;
    if (events != null) {
      // Results considered: OK; FAIL_TERMINATED cannot happen (only this method terminates,
      // once); FAIL_NON_SERIALIZED cannot happen (synchronized). Nothing to handle.
      events.tryEmitComplete();
    }
  }

  private synchronized void emit(ConnectionEvent event) {
    if (log.isDebugEnabled()) {
      log.debug("{}", event);
    }
    Sinks.Many<ConnectionEvent> events = sink;
    if (events != null) {
      // Results considered: OK; FAIL_ZERO_SUBSCRIBER and FAIL_OVERFLOW mean nobody is listening
      // or a listener has not requested this event: events are observations, and dropping them
      // must never stall or fail the connection. FAIL_NON_SERIALIZED cannot happen
      // (synchronized); FAIL_TERMINATED only after closed(), when no further event is meaningful.
      events.tryEmitNext(event);
    }
  }
}
