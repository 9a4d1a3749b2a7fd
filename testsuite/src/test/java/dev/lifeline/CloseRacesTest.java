package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.support.TrackingScheduler;
import dev.lifeline.testing.InMemoryTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.retry.Retry;

/**
 * The application closing or cancelling while a handshake completes or a connection fails and the
 * retry policy reconnects at once: the application gets at most one terminal signal and no frame
 * after it, {@code close()} completes, and no connection or timer is left behind.
 *
 * <p>Every input of a connection runs in its serial context, so two inputs that race are handled in
 * one order or the other, and an input that arrives while another is handled runs right after it:
 * the first tests pin both orders exactly, on one thread. The stress tests then repeat each race on
 * two real threads that a barrier releases together, and accept either order's outcome.
 */
class CloseRacesTest {
  private static final int ROUNDS = 2_000;

  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  // ---- both orders, deterministically ---------------------------------------------------------

  @Test
  void closeThenAFailureEndsWithoutAReconnect() {
    World world = new World();
    SupervisedConnection connection = world.connection(Retry.max(1_000));
    Recorder app = new Recorder();
    connection.inbound().subscribe(app);
    InMemoryTransport.Peer first = world.transport.lastPeer();

    connection.close().block(Duration.ofSeconds(10));
    first.fail(new IOException("Connection reset by peer"));

    world.assertNothingLeft(connection, "close first");
    assertThat(world.transport.attempts()).isEqualTo(1);
    assertThat(first.closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(app.terminals).hasValue(1);
    assertThat(app.error).hasValue(null);
  }

  @Test
  void aFailureThenCloseClosesTheConnectionThatReplacedIt() {
    World world = new World();
    SupervisedConnection connection = world.connection(Retry.max(1_000));
    Recorder app = new Recorder();
    connection.inbound().subscribe(app);
    InMemoryTransport.Peer first = world.transport.lastPeer();

    first.fail(new IOException("Connection reset by peer"));
    InMemoryTransport.Peer second = world.transport.lastPeer();
    connection.close().block(Duration.ofSeconds(10));

    world.assertNothingLeft(connection, "failure first");
    assertThat(world.transport.attempts()).isEqualTo(2);
    assertThat(second).isNotSameAs(first);
    assertThat(second.closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(app.terminals).hasValue(1);
    assertThat(app.error).hasValue(null);
  }

  @Test
  void cancelThenAFailureEndsWithoutAReconnectOrATerminalSignal() {
    World world = new World();
    SupervisedConnection connection = world.connection(Retry.max(1_000));
    Recorder app = new Recorder();
    connection.inbound().subscribe(app);
    InMemoryTransport.Peer first = world.transport.lastPeer();

    app.cancel();
    first.fail(new IOException("Connection reset by peer"));

    world.assertNothingLeft(connection, "cancel first");
    assertThat(world.transport.attempts()).isEqualTo(1);
    assertThat(first.closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(app.terminals).hasValue(0);
  }

  @Test
  void aFailureThenCancelClosesTheConnectionThatReplacedItWithoutATerminalSignal() {
    World world = new World();
    SupervisedConnection connection = world.connection(Retry.max(1_000));
    Recorder app = new Recorder();
    connection.inbound().subscribe(app);
    InMemoryTransport.Peer first = world.transport.lastPeer();

    first.fail(new IOException("Connection reset by peer"));
    app.cancel();

    world.assertNothingLeft(connection, "failure first");
    assertThat(world.transport.attempts()).isEqualTo(2);
    assertThat(world.transport.lastPeer().closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(app.terminals).hasValue(0);
  }

  @Test
  void closeThenTheHandshakeCompletingDisposesTheLateConnection() {
    World world = new World();
    SlowHandshake slow = new SlowHandshake(world.transport);
    SupervisedConnection connection =
        Supervisor.create(slow).scheduler(world.scheduler).connection();
    Recorder app = new Recorder();
    connection.inbound().subscribe(app);

    connection.close().block(Duration.ofSeconds(10));
    slow.complete();

    world.assertNothingLeft(connection, "close first");
    assertThat(world.transport.lastPeer().aborted()).isTrue();
    assertThat(app.terminals).hasValue(1);
  }

  @Test
  void theHandshakeCompletingThenCloseClosesThatConnectionWith1000() {
    World world = new World();
    SlowHandshake slow = new SlowHandshake(world.transport);
    SupervisedConnection connection =
        Supervisor.create(slow).scheduler(world.scheduler).connection();
    Recorder app = new Recorder();
    connection.inbound().subscribe(app);

    slow.complete();
    connection.close().block(Duration.ofSeconds(10));

    world.assertNothingLeft(connection, "handshake first");
    assertThat(world.transport.lastPeer().closeFromClient()).isEqualTo(Frame.close(1000, ""));
    assertThat(app.terminals).hasValue(1);
  }

  @Test
  void closeBeforeTheFirstSubscriptionCompletesTheLateSubscriberAtOnce() {
    World world = new World();
    SupervisedConnection connection = world.connection(Retry.max(1_000));
    Recorder app = new Recorder();

    connection.close().block(Duration.ofSeconds(10));
    connection.inbound().subscribe(app);

    world.assertNothingLeft(connection, "close first");
    assertThat(world.transport.attempts()).isZero();
    assertThat(app.terminals).hasValue(1);
    assertThat(app.error).hasValue(null);
  }

  @Test
  void closeCalledFromInsideAFrameCallbackRunsOnceThatCallbackReturned() {
    World world = new World();
    SupervisedConnection connection = world.connection(Retry.max(1_000));
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    connection
        .inbound()
        .subscribe(
            frame -> {
              seen.add(((Frame.Text) frame).text());
              connection.close().subscribe(null, e -> seen.add("close failed: " + e));
              Frame.Close sent = world.transport.lastPeer().closeFromClient();
              seen.add("after close() returned, close frame sent: " + (sent != null));
            },
            e -> seen.add("error: " + e),
            () -> seen.add("complete"));
    InMemoryTransport.Peer peer = world.transport.lastPeer();

    peer.send(Frame.text("one"));

    // the close runs after the callback returned, as its own input: the connection is closed with
    // 1000 and the stream completes once the in-memory peer answered
    assertThat(seen)
        .containsExactly("one", "after close() returned, close frame sent: false", "complete");
    assertThat(peer.closeFromClient()).isEqualTo(Frame.close(1000, ""));
    world.assertNothingLeft(connection, "close from inside");
  }

  // ---- the same races on two threads -----------------------------------------------------------

  @Test
  void closeRacingAFailureThatReconnectsAtOnceLeavesNothingOpen() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      World world = new World();
      SupervisedConnection connection = world.connection(Retry.max(1_000));
      Recorder app = new Recorder();
      connection.inbound().subscribe(app);
      InMemoryTransport.Peer first = world.transport.lastPeer();

      race(
          () -> connection.close().block(Duration.ofSeconds(10)),
          () -> first.fail(new IOException("Connection reset by peer")));

      world.assertNothingLeft(connection, "round " + round);
      assertThat(app.terminals).as("terminal signals, round %d", round).hasValue(1);
      assertThat(app.error).as("round %d", round).hasValue(null);
      assertThat(app.lateFrame).as("round %d", round).isFalse();
    }
  }

  @Test
  void cancelRacingAFailureThatReconnectsAtOnceLeavesNothingOpen() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      World world = new World();
      SupervisedConnection connection = world.connection(Retry.max(1_000));
      Recorder app = new Recorder();
      connection.inbound().subscribe(app);
      InMemoryTransport.Peer first = world.transport.lastPeer();

      race(app::cancel, () -> first.fail(new IOException("Connection reset by peer")));

      world.assertNothingLeft(connection, "round " + round);
      assertThat(app.terminals).as("terminal signals, round %d", round).hasValue(0);
    }
  }

  @Test
  void closeRacingAHandshakeThatCompletesLeavesNoConnectionOpen() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      World world = new World();
      SlowHandshake slow = new SlowHandshake(world.transport);
      SupervisedConnection connection =
          Supervisor.create(slow).scheduler(world.scheduler).connection();
      Recorder app = new Recorder();
      connection.inbound().subscribe(app);

      race(() -> connection.close().block(Duration.ofSeconds(10)), slow::complete);

      world.assertNothingLeft(connection, "round " + round);
      assertThat(app.terminals).as("terminal signals, round %d", round).hasValue(1);
    }
  }

  @Test
  void cancelRacingAHandshakeThatCompletesLeavesNoConnectionOpen() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      World world = new World();
      SlowHandshake slow = new SlowHandshake(world.transport);
      SupervisedConnection connection =
          Supervisor.create(slow).scheduler(world.scheduler).connection();
      Recorder app = new Recorder();
      connection.inbound().subscribe(app);

      race(app::cancel, slow::complete);

      world.assertNothingLeft(connection, "round " + round);
      assertThat(app.terminals).as("terminal signals, round %d", round).hasValue(0);
    }
  }

  @Test
  void closeRacingTheFirstSubscriptionCompletesTheSubscriber() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      World world = new World();
      SupervisedConnection connection = world.connection(Retry.max(1_000));
      Recorder app = new Recorder();

      race(
          () -> connection.close().block(Duration.ofSeconds(10)),
          () -> connection.inbound().subscribe(app));

      world.assertNothingLeft(connection, "round " + round);
      assertThat(app.error).as("round %d", round).hasValue(null);
      assertThat(app.terminals).as("terminal signals, round %d", round).hasValue(1);
    }
  }

  private void race(Runnable one, Runnable other) throws Exception {
    CyclicBarrier start = new CyclicBarrier(2);
    Future<?> a = threads.submit(() -> runAfter(start, one));
    Future<?> b = threads.submit(() -> runAfter(start, other));
    a.get(10, TimeUnit.SECONDS);
    b.get(10, TimeUnit.SECONDS);
  }

  private static Void runAfter(CyclicBarrier start, Runnable action) throws Exception {
    start.await(10, TimeUnit.SECONDS);
    action.run();
    return null;
  }

  /**
   * A transport whose one handshake completes when {@link #complete()} is called. Like any
   * transport it must release a connection that completes its handshake while the attempt is being
   * cancelled: {@code Mono.create} hands such a value to {@code onNextDropped}, not to the discard
   * hook, when the two meet, so the cancel handler disposes it.
   */
  private static final class SlowHandshake implements Transport {
    private final InMemoryTransport network;
    private volatile MonoSink<Connection> sink;
    private volatile Connection offered;

    SlowHandshake(InMemoryTransport network) {
      this.network = network;
    }

    @Override
    public Mono<Connection> connect(Publisher<Frame> outbound) {
      return Mono.create(
          s -> {
            s.onCancel(
                () -> {
                  Connection late = offered;
                  if (late != null) {
                    late.dispose();
                  }
                });
            sink = s;
          });
    }

    void complete() {
      Connection established = network.connect(Flux.never()).block();
      offered = established;
      sink.success(established);
    }
  }

  /** One round's transport and (virtual, never advanced) scheduler. */
  private static final class World {
    final InMemoryTransport transport = new InMemoryTransport();
    final TrackingScheduler scheduler = new TrackingScheduler(VirtualTimeScheduler.create());

    SupervisedConnection connection(Retry retry) {
      return Supervisor.create(transport).scheduler(scheduler).retry(retry).connection();
    }

    void assertNothingLeft(SupervisedConnection connection, String round) {
      assertThat(connection.isDisposed()).as("supervision ended, %s", round).isTrue();
      assertThat(transport.openConnections()).as("open connections, %s", round).isZero();
      assertThat(scheduler.pending()).as("timers left, %s", round).isZero();
    }
  }

  /** The application: counts terminal signals and notes a frame that comes after one. */
  private static final class Recorder implements CoreSubscriber<Frame> {
    final AtomicInteger terminals = new AtomicInteger();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean lateFrame;
    private volatile Subscription subscription;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Frame frame) {
      if (terminals.get() > 0) {
        lateFrame = true;
      }
    }

    @Override
    public void onError(Throwable e) {
      error.set(e);
      terminals.incrementAndGet();
    }

    @Override
    public void onComplete() {
      terminals.incrementAndGet();
    }

    void cancel() {
      subscription.cancel();
    }
  }
}
