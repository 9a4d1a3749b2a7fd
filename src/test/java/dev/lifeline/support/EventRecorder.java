package dev.lifeline.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * Records a connection's events so that a test takes them one by one, in order, and finally asserts
 * that none is left unexamined — no unexpected event can slip by.
 */
public final class EventRecorder {
  private final Deque<ConnectionEvent> events = new ArrayDeque<>();

  public EventRecorder(Flux<ConnectionEvent> source) {
    source.subscribe(this::add);
  }

  /** The instant {@code millis} after the virtual epoch. */
  public static Instant at(long millis) {
    return Instant.EPOCH.plusMillis(millis);
  }

  private synchronized void add(ConnectionEvent event) {
    events.add(event);
  }

  /** Takes the next event, which must be a {@code type}. */
  public synchronized <T extends ConnectionEvent> T next(Class<T> type) {
    assertThat(events).as("events left").isNotEmpty();
    ConnectionEvent event = events.poll();
    assertThat(event).isInstanceOf(type);
    return type.cast(event);
  }

  /** Takes the next event, which must be a {@code type} stamped {@code millis}. */
  public <T extends ConnectionEvent> T next(Class<T> type, long millis) {
    T event = next(type);
    assertThat(event.time()).as("time of %s", event).isEqualTo(at(millis));
    return event;
  }

  /** Skips heartbeat events, then takes the next event, which must be a {@code type}. */
  public synchronized <T extends ConnectionEvent> T nextSkippingHeartbeats(Class<T> type) {
    while (!events.isEmpty()
        && (events.peek() instanceof ConnectionEvent.HeartbeatSent
            || events.peek() instanceof ConnectionEvent.HeartbeatAnswered)
        && !type.isInstance(events.peek())) {
      events.poll();
    }
    return next(type);
  }

  /** Skips events of other types, then takes the next {@code type}. */
  public synchronized <T extends ConnectionEvent> T nextSkippingOthers(Class<T> type) {
    while (!events.isEmpty() && !type.isInstance(events.peek())) {
      events.poll();
    }
    return next(type);
  }

  /** Takes every event left. */
  public synchronized List<ConnectionEvent> remaining() {
    List<ConnectionEvent> rest = List.copyOf(events);
    events.clear();
    return rest;
  }

  /** Asserts every event was taken. */
  public synchronized void assertNoMore() {
    assertThat(List.copyOf(events)).as("events not yet examined").isEmpty();
  }

  /** Drops every event recorded so far. */
  public synchronized void clear() {
    events.clear();
  }

  /** A duration of {@code millis}. */
  public static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
