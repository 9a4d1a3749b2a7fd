package dev.lifeline.internal;

import dev.lifeline.ConnectionEvent;
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
 * <p>Up to {@value #BUFFER} events wait for the first subscriber; later subscribers see events from
 * their subscription on. A subscriber that falls {@value #BUFFER} events behind misses events
 * rather than stalling the connection.
 */
public final class EventLog {
  private static final Logger log = LoggerFactory.getLogger("dev.lifeline.events");
  private static final int BUFFER = 256;

  private final Scheduler scheduler;
  private final Sinks.Many<ConnectionEvent> sink =
      Sinks.many().multicast().onBackpressureBuffer(BUFFER, false);

  public EventLog(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  public Flux<ConnectionEvent> events() {
    return sink.asFlux();
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
    emit(new ConnectionEvent.Connecting(now(), attempt));
  }

  public void connected(int attempt) {
    emit(new ConnectionEvent.Connected(now(), attempt));
  }

  public void heartbeatSent(long sequence) {
    emit(new ConnectionEvent.HeartbeatSent(now(), sequence));
  }

  public void heartbeatAnswered(long sequence, Duration roundTrip) {
    emit(new ConnectionEvent.HeartbeatAnswered(now(), sequence, roundTrip));
  }

  public void peerDead(long sequence, Duration silence) {
    emit(new ConnectionEvent.PeerDead(now(), sequence, silence));
  }

  public void disconnected(int attempt, Throwable cause, long unconfirmedFrames) {
    emit(new ConnectionEvent.Disconnected(now(), attempt, cause, unconfirmedFrames));
  }

  public void reconnectScheduled(int attempt, Duration delay) {
    emit(new ConnectionEvent.ReconnectScheduled(now(), attempt, delay));
  }

  public void exhausted(int attempts, Throwable cause) {
    emit(new ConnectionEvent.Exhausted(now(), attempts, cause));
  }

  /** Emits {@link ConnectionEvent.Closed} and completes the stream. */
  public synchronized void closed(Throwable cause) {
    emit(new ConnectionEvent.Closed(now(), cause));
    // Results considered: OK; FAIL_TERMINATED cannot happen (only this method terminates, once);
    // FAIL_NON_SERIALIZED cannot happen (synchronized). Nothing to handle.
    sink.tryEmitComplete();
  }

  private synchronized void emit(ConnectionEvent event) {
    if (log.isDebugEnabled()) {
      log.debug("{}", event);
    }
    // Results considered: OK; FAIL_ZERO_SUBSCRIBER and FAIL_OVERFLOW mean nobody is listening
    // or a listener fell 256 events behind: events are observations, and dropping them must
    // never stall or fail the connection. FAIL_NON_SERIALIZED cannot happen (synchronized);
    // FAIL_TERMINATED only after closed(), when no further event is meaningful.
    sink.tryEmitNext(event);
  }
}
