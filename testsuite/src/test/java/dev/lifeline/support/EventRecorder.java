package dev.lifeline.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Records a connection's events for two kinds of test.
 *
 * <p>On virtual time a test takes them one by one, in order ({@link #next}), and finally asserts
 * that none is left unexamined ({@link #assertNoMore}) — no unexpected event can slip by.
 *
 * <p>On real time a test waits for them ({@link #await}) and looks at every event seen so far
 * ({@link #all}, {@link #count}, {@link #seen}), each with the {@link System#nanoTime()} it was
 * seen at; taking events does not change what these report.
 */
public final class EventRecorder implements AutoCloseable {

  /** One event and {@link System#nanoTime()} when it was recorded. */
  public record Seen(ConnectionEvent event, long nanoTime) {}

  private final Deque<ConnectionEvent> unexamined = new ArrayDeque<>();
  private final List<Seen> seen = new ArrayList<>();
  private final Disposable subscription;
  private volatile Consumer<ConnectionEvent> hook = event -> {};

  public EventRecorder(Flux<ConnectionEvent> source) {
    subscription = source.subscribe(this::add);
  }

  /** The instant {@code millis} after the virtual epoch. */
  public static Instant at(long millis) {
    return Instant.EPOCH.plusMillis(millis);
  }

  /** A duration of {@code millis}. */
  public static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** Runs {@code action} on the event's thread, as each event happens, before it is recorded. */
  public EventRecorder onEvent(Consumer<ConnectionEvent> action) {
    hook = action;
    return this;
  }

  private void add(ConnectionEvent event) {
    long now = System.nanoTime();
    hook.accept(event);
    synchronized (this) {
      unexamined.add(event);
      seen.add(new Seen(event, now));
    }
  }

  // ---- virtual time: take the events in order

  /** Takes the next event, which must be a {@code type}. */
  public synchronized <T extends ConnectionEvent> T next(Class<T> type) {
    assertThat(unexamined).as("events left").isNotEmpty();
    ConnectionEvent event = unexamined.poll();
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
    while (!unexamined.isEmpty()
        && (unexamined.peek() instanceof ConnectionEvent.HeartbeatSent
            || unexamined.peek() instanceof ConnectionEvent.HeartbeatAnswered)
        && !type.isInstance(unexamined.peek())) {
      unexamined.poll();
    }
    return next(type);
  }

  /** Skips events of other types, then takes the next {@code type}. */
  public synchronized <T extends ConnectionEvent> T nextSkippingOthers(Class<T> type) {
    while (!unexamined.isEmpty() && !type.isInstance(unexamined.peek())) {
      unexamined.poll();
    }
    return next(type);
  }

  /** Takes every event left. */
  public synchronized List<ConnectionEvent> remaining() {
    List<ConnectionEvent> rest = List.copyOf(unexamined);
    unexamined.clear();
    return rest;
  }

  /** Asserts every event was taken. */
  public synchronized void assertNoMore() {
    assertThat(List.copyOf(unexamined)).as("events not yet examined").isEmpty();
  }

  /** Drops every event recorded so far and not yet taken. */
  public synchronized void clear() {
    unexamined.clear();
  }

  // ---- real time: wait for events and look at all of them

  /** Every event seen so far, in order, taken or not. */
  public synchronized List<Seen> seen() {
    return new ArrayList<>(seen);
  }

  /** Every {@code type} event seen so far, in order. */
  public List<Seen> seen(Class<? extends ConnectionEvent> type) {
    return seen().stream().filter(s -> type.isInstance(s.event())).toList();
  }

  /** Every {@code type} event seen so far, in order. */
  public <E extends ConnectionEvent> List<E> all(Class<E> type) {
    return seen(type).stream().map(s -> type.cast(s.event())).toList();
  }

  /** How many {@code type} events were seen so far. */
  public int count(Class<? extends ConnectionEvent> type) {
    return seen(type).size();
  }

  /** Waits until {@code count} events of {@code type} were seen; returns the last of them. */
  public <E extends ConnectionEvent> E await(Class<E> type, int count) {
    RealTime.await(
        count + " " + type.getSimpleName() + " events, seen: " + seen(),
        () -> count(type) >= count);
    return all(type).get(count - 1);
  }

  /** Asserts no {@code type} event was seen. */
  public void assertNone(Class<? extends ConnectionEvent> type) {
    assertThat(all(type)).as(type.getSimpleName() + " events").isEmpty();
  }

  /** Stops recording. */
  @Override
  public void close() {
    subscription.dispose();
  }
}
