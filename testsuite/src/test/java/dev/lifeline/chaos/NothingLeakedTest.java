package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Closed;
import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import dev.lifeline.support.TrackingScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Nothing leaked: after supervision ends, no socket stays open, no timer stays scheduled and no
 * thread stays behind. (Buffers are checked after every test by the build's leak check.)
 */
class NothingLeakedTest {

  private static final int CONNECTIONS = 20;

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void afterCloseNoSocketTimerOrThreadIsLeftBehind() {
    // warm up: Reactor Netty's event loops and Reactor's timers start lazily, once per process
    runConnections(CONNECTIONS, new TrackingScheduler(Schedulers.parallel()));
    Set<String> baseline = threadNames();

    TrackingScheduler scheduler = new TrackingScheduler(Schedulers.parallel());
    runConnections(CONNECTIONS, scheduler);

    RealTime.await("no open connection through the proxy", () -> network.proxy().open() == 0);
    RealTime.await("no open connection on the server", () -> network.server().connections() == 0);
    RealTime.await("no live timer", () -> scheduler.pending() == 0);
    RealTime.await("no new thread", () -> newThreads(baseline).isEmpty());
    assertThat(scheduler.scheduled()).isPositive();
    Chaos.report(
        "nothing leaked",
        2 * CONNECTIONS
            + " connections through an RST and close: 0 open sockets, 0 of "
            + scheduler.scheduled()
            + " timers live, "
            + threadNames().size()
            + " threads (baseline "
            + baseline.size()
            + ")");
  }

  /** Opens {@code count} connections, breaks them all once, waits for the reconnects, closes. */
  private void runConnections(int count, TrackingScheduler scheduler) {
    List<SupervisedConnection> connections = new ArrayList<>();
    List<EventRecorder> recorders = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      SupervisedConnection ws =
          Chaos.supervisor(network.uri("/echo"), 20).scheduler(scheduler).connection();
      recorders.add(new EventRecorder(ws.events()));
      ws.inbound().subscribe(frame -> {}, error -> {});
      connections.add(ws);
    }
    recorders.forEach(events -> events.await(Connected.class, 1));
    network.proxy().reset();
    recorders.forEach(events -> events.await(Connected.class, 2));

    Flux.fromIterable(connections).flatMap(SupervisedConnection::close).blockLast(Chaos.PATIENCE);

    recorders.forEach(events -> events.await(Closed.class, 1));
    recorders.forEach(EventRecorder::close);
  }

  private static Set<String> newThreads(Set<String> baseline) {
    Set<String> now = threadNames();
    now.removeAll(baseline);
    return now;
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(thread -> thread.getName() + "#" + thread.getId())
        .collect(Collectors.toSet());
  }
}
