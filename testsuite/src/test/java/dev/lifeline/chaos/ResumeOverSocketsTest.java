package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.support.RealTime;
import dev.lifeline.testing.FaultProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;

/**
 * Resume over real sockets, both ends Lifeline: through every fault of the {@link FaultProxy} a
 * numbered stream arrives exactly once and in order in both directions, and the server's handler
 * runs once per session. Timings are the chaos matrix's (I 300 ms, T 200 ms, D 200 ms); bounds are
 * generous.
 */
class ResumeOverSocketsTest {
  private static final int FRAMES = 1_000;

  private final AtomicInteger handlers = new AtomicInteger();
  private final List<ServerEvent> serverEvents = new CopyOnWriteArrayList<>();
  private final ServerSupervisor supervisor =
      ServerSupervisor.builder().resume(Resume.defaults()).build();
  private final Disposable serverEventSubscription =
      supervisor.events().subscribe(serverEvents::add);
  private final DisposableServer server =
      Chaos.serve(
          supervisor,
          "/echo",
          c -> {
            handlers.incrementAndGet();
            return c.send(c.inbound());
          });
  private final FaultProxy proxy =
      FaultProxy.start(new InetSocketAddress("127.0.0.1", server.port()));

  @AfterEach
  void stop() {
    serverEventSubscription.dispose();
    proxy.close();
    server.disposeNow(Duration.ofSeconds(10));
  }

  private SupervisedConnection client() {
    return Chaos.supervisor(URI.create("ws://127.0.0.1:" + proxy.port() + "/echo"), 50)
        .outboundBufferCapacity(FRAMES)
        .resume(Resume.defaults())
        .connection();
  }

  /**
   * Streams {@link #FRAMES} numbered frames through an echo while {@code fault} strikes once the
   * first echoes arrived; asserts every frame came back exactly once, in order.
   */
  private void echoesEveryFrameExactlyOnceThrough(Consumer<EventRecorder> fault) {
    echoesEveryFrameExactlyOnceThrough(Flux.range(0, FRAMES), fault);
  }

  /** As above, with the numbers {@code 0 .. FRAMES-1} sent as {@code numbers} emits them. */
  private void echoesEveryFrameExactlyOnceThrough(
      Flux<Integer> numbers, Consumer<EventRecorder> fault) {
    SupervisedConnection ws = client();
    Queue<String> echoed = new ConcurrentLinkedQueue<>();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      Disposable reading =
          ws.inbound().ofType(Frame.Text.class).map(Frame.Text::text).subscribe(echoed::add);
      events.await(ConnectionEvent.SessionStarted.class, 1);
      ws.send(numbers.map(i -> Frame.text(Integer.toString(i))))
          .subscribe(null, e -> echoed.add("send failed: " + e));
      RealTime.await("the first echoes", () -> echoed.size() >= 50);
      fault.accept(events);
      RealTime.await("every echo", () -> echoed.size() >= FRAMES);
      RealTime.await(
          "the session resumed", () -> events.count(ConnectionEvent.SessionResumed.class) >= 1);

      assertThat(List.copyOf(echoed))
          .containsExactlyElementsOf(
              IntStream.range(0, FRAMES).mapToObj(Integer::toString).toList());
      assertThat(handlers).hasValue(1);
      assertThat(events.all(ConnectionEvent.SessionLost.class)).isEmpty();
      assertThat(serverEvents).noneMatch(e -> e instanceof ServerEvent.SessionExpired);
      reading.dispose();
      Chaos.report(
          "resume echo",
          events.all(ConnectionEvent.SessionResumed.class).size()
              + " resumes, replayed "
              + events.all(ConnectionEvent.SessionResumed.class).stream()
                  .mapToLong(ConnectionEvent.SessionResumed::replayedFrames)
                  .sum());
    }
  }

  @Test
  void aSilentBlackholeLosesAndDuplicatesNothingEitherWay() {
    echoesEveryFrameExactlyOnceThrough(
        events -> {
          proxy.blackhole();
          events.await(ConnectionEvent.PeerDead.class, 1);
          proxy.pass();
        });
  }

  @Test
  void aResetLosesAndDuplicatesNothingEitherWay() {
    echoesEveryFrameExactlyOnceThrough(events -> proxy.reset());
  }

  @Test
  void outagesBackToBackLoseAndDuplicateNothing() {
    echoesEveryFrameExactlyOnceThrough(
        events -> {
          for (int i = 0; i < 3; i++) {
            int before = events.count(ConnectionEvent.SessionResumed.class);
            proxy.reset();
            RealTime.await(
                "resume " + (i + 1),
                () -> events.count(ConnectionEvent.SessionResumed.class) > before);
          }
        });
  }

  @Test
  void aStallLongerThanTheHeartbeatTimeoutLosesNothing() {
    echoesEveryFrameExactlyOnceThrough(
        events -> {
          proxy.delay(Duration.ofMillis(700));
          events.await(ConnectionEvent.PeerDead.class, 1);
          proxy.pass();
        });
  }

  /**
   * Frames go out one per millisecond, so hundreds are written into a blackhole before the client
   * declares the server dead; the link then comes back at 4 000 B/s, so replaying them takes about
   * a second, and 300 ms after the session resumed the proxy resets both sockets with the replay
   * still in its buffers. The second resume must replay again what the first did not deliver.
   */
  @Test
  void aDropInTheMiddleOfAReplayLosesAndDuplicatesNothing() {
    echoesEveryFrameExactlyOnceThrough(
        Flux.range(0, FRAMES).delayElements(Duration.ofMillis(1)),
        events -> {
          proxy.blackhole();
          events.await(ConnectionEvent.PeerDead.class, 1);
          proxy.throttle(4_000);
          long firstReplay = events.await(ConnectionEvent.SessionResumed.class, 1).replayedFrames();
          RealTime.sleep(Duration.ofMillis(300));
          proxy.reset();
          proxy.pass();
          long secondReplay =
              events.await(ConnectionEvent.SessionResumed.class, 2).replayedFrames();
          assertThat(firstReplay)
              .as("frames written into the blackhole and replayed by the first resume")
              .isGreaterThan(100);
          assertThat(secondReplay)
              .as("frames of the first replay that the reset dropped, replayed again")
              .isPositive();
        });
  }

  @Test
  void aResumeClientAgainstAServerWithoutResumeWorksAsBefore() {
    try (ChaosServer plain = ChaosServer.start()) {
      SupervisedConnection ws =
          Chaos.supervisor(plain.uri("/echo"), 5).resume(Resume.defaults()).connection();
      try (EventRecorder events = new EventRecorder(ws.events())) {
        List<String> echoed =
            ws.inbound()
                .ofType(Frame.Text.class)
                .map(Frame.Text::text)
                .take(3)
                .collectList()
                .doOnSubscribe(
                    s ->
                        ws.send(Flux.just("a", "b", "c").map(Frame::text)).subscribe(null, e -> {}))
                .block(RealTime.PATIENCE);
        assertThat(echoed).containsExactly("a", "b", "c");
        assertThat(events.all(ConnectionEvent.SessionStarted.class)).isEmpty();
        assertThat(events.all(ConnectionEvent.Disconnected.class)).isEmpty();
      }
    }
  }

  @Test
  void aClientWithoutResumeIsServedAsBeforeByAResumeServer() {
    SupervisedConnection ws =
        Chaos.supervisor(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), 5).connection();
    List<String> echoed =
        ws.inbound()
            .ofType(Frame.Text.class)
            .map(Frame.Text::text)
            .take(2)
            .collectList()
            .doOnSubscribe(
                s -> ws.send(Flux.just("x", "y").map(Frame::text)).subscribe(null, e -> {}))
            .block(RealTime.PATIENCE);
    assertThat(echoed).containsExactly("x", "y");
    assertThat(serverEvents).noneMatch(e -> e instanceof ServerEvent.SessionStarted);
    assertThat(supervisor.sessions()).isZero();
  }
}
