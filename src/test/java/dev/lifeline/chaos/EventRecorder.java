package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.SupervisedConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.Disposable;

/** Records a supervised connection's events with the wall-clock instant each was seen. */
final class EventRecorder implements AutoCloseable {

  /** One event and {@link System#nanoTime()} when it was recorded. */
  record Seen(ConnectionEvent event, long nanoTime) {}

  private final List<Seen> seen = new ArrayList<>();
  private final Disposable subscription;
  private volatile Consumer<ConnectionEvent> hook = event -> {};

  EventRecorder(SupervisedConnection connection) {
    subscription = connection.events().subscribe(this::record);
  }

  /** Runs {@code action} on the event's thread, as each event happens, before it is recorded. */
  EventRecorder onEvent(Consumer<ConnectionEvent> action) {
    hook = action;
    return this;
  }

  private void record(ConnectionEvent event) {
    long now = System.nanoTime();
    hook.accept(event);
    synchronized (seen) {
      seen.add(new Seen(event, now));
    }
  }

  List<Seen> seen() {
    synchronized (seen) {
      return new ArrayList<>(seen);
    }
  }

  <E extends ConnectionEvent> List<E> all(Class<E> type) {
    List<E> matching = new ArrayList<>();
    for (Seen s : seen()) {
      if (type.isInstance(s.event())) {
        matching.add(type.cast(s.event()));
      }
    }
    return matching;
  }

  <E extends ConnectionEvent> List<Seen> seen(Class<E> type) {
    return seen().stream().filter(s -> type.isInstance(s.event())).toList();
  }

  int count(Class<? extends ConnectionEvent> type) {
    return all(type).size();
  }

  /** Waits until {@code count} events of {@code type} were seen; returns the last of them. */
  <E extends ConnectionEvent> E await(Class<E> type, int count) {
    Chaos.await(
        count + " " + type.getSimpleName() + " events, seen: " + seen(),
        () -> count(type) >= count);
    return all(type).get(count - 1);
  }

  void assertNone(Class<? extends ConnectionEvent> type) {
    assertThat(all(type)).as(type.getSimpleName() + " events").isEmpty();
  }

  @Override
  public void close() {
    subscription.dispose();
  }
}
