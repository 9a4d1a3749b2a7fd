package dev.lifeline.bench;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.Transport;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The cost of one outbound application frame, from the application's call to the transport's
 * writer, over a {@link DiscardingTransport} (batched demand, frames to a blackhole).
 *
 * <ul>
 *   <li>{@code bareDirect}: the application calls the transport's writer itself. The floor: no
 *       queue, no thread-safety, no demand handling; nothing real can be cheaper.
 *   <li>{@code bareSink}: the fair baseline. What an application writes on raw Reactor Netty to
 *       send from anywhere: a {@code Sinks.many().unicast().onBackpressureBuffer()} whose flux is
 *       the connection's outbound ({@code outbound.sendObject(sink.asFlux())}), and {@code
 *       tryEmitNext(frame)} per frame. Like {@code send}, it queues, honours the writer's demand
 *       and rejects unserialized concurrent use; unlike {@code send}, it tells nobody when the
 *       frame left, and frames emitted while disconnected go nowhere.
 *   <li>{@code supervised}: {@code SupervisedConnection.send(frame)} subscribed with one reused,
 *       stateless subscriber: the library's own per-frame cost.
 *   <li>{@code supervisedSubscribe}: {@code send(frame).subscribe()}, as applications write it;
 *       adds Reactor's per-subscription {@code LambdaMonoSubscriber}.
 *   <li>{@code supervisedStream}: the streaming {@code send(Publisher)}, fed the way {@code
 *       bareSink} feeds the transport: one long-lived {@code send(sink.asFlux())} over a {@code
 *       Sinks.many().unicast().onBackpressureBuffer()}, and {@code tryEmitNext(frame)} per frame.
 *       Its difference to {@code bareSink} is the library's per-frame cost on the streaming path.
 *   <li>{@code supervisedStreamBatch}: {@code send(Flux.fromArray(frames))} of {@value #BATCH}
 *       frames per call, subscribed with one reused subscriber; per frame, so the stream's own
 *       subscription is amortized over the batch (the echo benchmark's streaming client).
 *   <li>{@code supervisedStreamResume}: {@code supervisedStream} with {@code lifeline.resume.v1}
 *       negotiated against a fake peer that acknowledges every 32 data frames; {@code peerAckOnly}
 *       is what that peer allocates for its acknowledgements, per frame, to tell the client's share
 *       apart.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OutboundFrameBenchmark {

  static final Frame FRAME = InboundFrameBenchmark.FRAME;
  static final int BATCH = 256;
  static final Frame[] FRAMES = Collections.nCopies(BATCH, FRAME).toArray(new Frame[0]);

  @State(Scope.Thread)
  public static class BareDirect {
    DiscardingTransport.Writer writer;
    Transport.Connection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      DiscardingTransport transport = new DiscardingTransport(blackhole);
      connection = transport.connect(subscriber -> {}).block();
      writer = transport.writer;
      writer.onSubscribe(Unbounded.INSTANCE);
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.dispose();
    }
  }

  @State(Scope.Thread)
  public static class BareSink {
    Sinks.Many<Frame> sink;
    Transport.Connection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      sink = Sinks.many().unicast().onBackpressureBuffer();
      connection = new DiscardingTransport(blackhole).connect(sink.asFlux()).block();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.dispose();
    }
  }

  @State(Scope.Thread)
  public static class Supervised {
    SupervisedConnection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      connection =
          Supervisor.create(new DiscardingTransport(blackhole))
              .heartbeat(Heartbeat.ping().interval(Duration.ofHours(1)))
              .scheduler(Schedulers.parallel())
              .connection();
      connection.inbound().subscribe();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.close().block(Duration.ofSeconds(10));
    }
  }

  /** One long-lived streaming send over a {@link DiscardingTransport}; with resume or without. */
  public abstract static class Streaming {
    SupervisedConnection connection;
    Sinks.Many<Frame> sink;
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    abstract boolean resume();

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      boolean resume = resume();
      // with resume the peer acknowledges, so that the client's replay buffer empties
      DiscardingTransport transport =
          new DiscardingTransport(blackhole, resume ? dev.lifeline.Resume.PROTOCOL : "", resume);
      Supervisor supervisor =
          Supervisor.create(transport)
              .heartbeat(Heartbeat.ping().interval(Duration.ofHours(1)))
              .scheduler(Schedulers.parallel());
      connection =
          (resume ? supervisor.resume(dev.lifeline.Resume.defaults()) : supervisor).connection();
      connection.inbound().subscribe();
      if (resume) {
        transport.connection.send(
            dev.lifeline.internal.ResumeMessages.welcome(
                dev.lifeline.internal.ResumeMessages.NEW,
                0,
                new byte[dev.lifeline.internal.ResumeMessages.SESSION_ID_LENGTH]));
      }
      sink = Sinks.many().unicast().onBackpressureBuffer();
      connection.send(sink.asFlux()).subscribe(null, failure::set);
    }

    @TearDown(Level.Trial)
    public void close() {
      if (failure.get() != null) {
        throw new IllegalStateException("the streaming send failed", failure.get());
      }
      connection.close().block(Duration.ofSeconds(10));
    }
  }

  /** Without resume. */
  @State(Scope.Thread)
  public static class SupervisedStream extends Streaming {
    @Override
    boolean resume() {
      return false;
    }
  }

  /**
   * {@link SupervisedStream} with {@code lifeline.resume.v1} negotiated: every frame also goes
   * through the replay buffer, and the peer acknowledges every 32 data frames.
   */
  @State(Scope.Thread)
  public static class SupervisedStreamResume extends Streaming {
    @Override
    boolean resume() {
      return true;
    }
  }

  /**
   * What the fake peer of {@link SupervisedStreamResume} allocates per frame for its
   * acknowledgements (one ACK per 32 frames), to subtract: a real peer allocates it in its own
   * process.
   */
  @State(Scope.Thread)
  public static class AckCounter {
    long count;
  }

  @Benchmark
  @OperationsPerInvocation(DiscardingTransport.ACK_EVERY)
  public Frame peerAckOnly(AckCounter state) {
    state.count += DiscardingTransport.ACK_EVERY;
    return dev.lifeline.internal.ResumeMessages.ack(state.count);
  }

  @Benchmark
  public Sinks.EmitResult supervisedStreamResume(SupervisedStreamResume state) {
    return state.sink.tryEmitNext(FRAME);
  }

  @Benchmark
  public void bareDirect(BareDirect state) {
    state.writer.onNext(FRAME);
  }

  @Benchmark
  public Sinks.EmitResult bareSink(BareSink state) {
    return state.sink.tryEmitNext(FRAME);
  }

  @Benchmark
  public void supervised(Supervised state) {
    state.connection.send(FRAME).subscribe(Ignoring.INSTANCE);
  }

  @Benchmark
  public void supervisedSubscribe(Supervised state) {
    state.connection.send(FRAME).subscribe();
  }

  @Benchmark
  public Sinks.EmitResult supervisedStream(SupervisedStream state) {
    return state.sink.tryEmitNext(FRAME);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void supervisedStreamBatch(Supervised state) {
    state.connection.send(Flux.fromArray(FRAMES)).subscribe(Ignoring.INSTANCE);
  }

  /** A stateless subscriber to a send: safe to reuse for every send. */
  enum Ignoring implements CoreSubscriber<Void> {
    INSTANCE;

    @Override
    public void onSubscribe(Subscription s) {
      // a send needs no demand
    }

    @Override
    public void onNext(Void unused) {
      // a send emits no value
    }

    @Override
    public void onError(Throwable t) {
      throw new IllegalStateException("send failed", t);
    }

    @Override
    public void onComplete() {
      // the frame left
    }
  }

  /**
   * The direct writer's subscription: demand is ignored, as the application calls onNext itself.
   */
  enum Unbounded implements Subscription {
    INSTANCE;

    @Override
    public void request(long n) {
      // the floor ignores demand
    }

    @Override
    public void cancel() {
      // nothing to cancel
    }
  }
}
