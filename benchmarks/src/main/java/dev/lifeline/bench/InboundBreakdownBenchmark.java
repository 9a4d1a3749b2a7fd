package dev.lifeline.bench;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.Transport;
import dev.lifeline.internal.EventLog;
import dev.lifeline.internal.LiveConnection;
import dev.lifeline.internal.OutboundBuffer;
import dev.lifeline.testing.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Where the supervised inbound path spends its time, taken apart: the scheduler's clock read alone,
 * the bare transport behind {@link LiveConnection} alone, and the bare transport behind the
 * supervisor's operator chain alone (the same operators {@code SupervisedConnection} assembles,
 * without the watchdog). A diagnostic, not a claim: see README.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InboundBreakdownBenchmark {

  static final Frame FRAME = InboundFrameBenchmark.FRAME;

  @State(Scope.Thread)
  public static class Clock {
    final Scheduler scheduler = Schedulers.parallel();
  }

  /** The bare transport's inbound behind a LiveConnection and nothing else. */
  @State(Scope.Thread)
  public static class WatchdogOnly {
    InMemoryTransport.Peer peer;
    Transport.Connection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      InMemoryTransport transport = new InMemoryTransport();
      OutboundBuffer buffer = new OutboundBuffer(1024);
      OutboundBuffer.Outbound outbound = buffer.newOutbound();
      connection = transport.connect(outbound).block();
      Scheduler scheduler = Schedulers.parallel();
      new LiveConnection(
              connection,
              outbound,
              Heartbeat.ping().interval(Duration.ofHours(1)),
              scheduler,
              new EventLog(scheduler),
              () -> {},
              error -> {})
          .subscribe(new Consuming(blackhole));
      peer = transport.lastPeer();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.dispose();
    }
  }

  /** The bare transport's inbound behind the supervisor's operators, without the watchdog. */
  @State(Scope.Thread)
  public static class ChainOnly {
    InMemoryTransport.Peer peer;
    Transport.Connection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      InMemoryTransport transport = new InMemoryTransport();
      Sinks.Empty<Void> closed = Sinks.empty();
      Flux<Frame> attempt =
          Flux.defer(
              () ->
                  transport
                      .connect(Flux.never())
                      .doOnNext(c -> connection = c)
                      .takeUntilOther(closed.asMono())
                      .flatMapMany(Transport.Connection::inbound)
                      .doOnError(e -> {})
                      .doFinally(s -> {}));
      Flux.defer(
              () ->
                  attempt
                      .retryWhen(
                          Retry.from(
                              signals ->
                                  Flux.from(
                                          Retry.fixedDelay(5, Duration.ofSeconds(5))
                                              .generateCompanion(signals))
                                      .takeUntilOther(closed.asMono())))
                      .onErrorMap(e -> false, e -> e)
                      .doOnError(e -> {})
                      .doFinally(s -> {}))
          .subscribe(new Consuming(blackhole));
      peer = transport.lastPeer();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.dispose();
    }
  }

  @Benchmark
  public long clockRead(Clock state) {
    return state.scheduler.now(TimeUnit.NANOSECONDS);
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public void watchdogOnly(WatchdogOnly state) {
    state.peer.send(FRAME);
  }

  @Benchmark
  public void chainOnly(ChainOnly state) {
    state.peer.send(FRAME);
  }

  /** As {@link ChainOnly} with the four operators a leaner assembly needs per frame. */
  @State(Scope.Thread)
  public static class LeanChainOnly {
    InMemoryTransport.Peer peer;
    Transport.Connection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      InMemoryTransport transport = new InMemoryTransport();
      Sinks.Empty<Void> closed = Sinks.empty();
      Flux<Frame> attempt =
          Flux.defer(
              () ->
                  transport
                      .connect(Flux.never())
                      .doOnNext(c -> connection = c)
                      .takeUntilOther(closed.asMono())
                      .doOnError(e -> {})
                      .flatMapMany(Transport.Connection::inbound));
      Flux.defer(
              () ->
                  attempt
                      .retryWhen(
                          Retry.from(
                              signals ->
                                  Flux.from(
                                          Retry.fixedDelay(5, Duration.ofSeconds(5))
                                              .generateCompanion(signals))
                                      .takeUntilOther(closed.asMono())))
                      .onErrorMap(e -> e)
                      .doFinally(s -> {}))
          .subscribe(new Consuming(blackhole));
      peer = transport.lastPeer();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.dispose();
    }
  }

  @Benchmark
  public void leanChainOnly(LeanChainOnly state) {
    state.peer.send(FRAME);
  }
}
