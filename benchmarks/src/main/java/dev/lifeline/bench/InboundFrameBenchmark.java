package dev.lifeline.bench;

import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.Transport;
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
import reactor.core.scheduler.Schedulers;

/**
 * The cost of one inbound application frame: from the peer's {@code send} to the application's
 * {@code onNext}, through the bare {@link InMemoryTransport} connection and through a {@link
 * SupervisedConnection} over the same transport. Both paths share the transport's unicast sink
 * (queue offer and drain); the difference is what supervision adds per frame: {@code
 * LiveConnection.onNext} (one clock read, two ordered stores, the pong test) and the operators of
 * the supervised chain ({@code retryWhen}, {@code flatMapMany}, {@code doOnError}, {@code
 * doFinally}, ...).
 *
 * <p>The heartbeat interval is one hour, so no timer fires during a run: this measures the steady
 * state of a busy connection, where traffic itself proves life (C2).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InboundFrameBenchmark {

  /** 32 characters, the frame size. */
  static final Frame FRAME = Frame.text("0123456789abcdef0123456789abcdef");

  /** The bare transport: its connection's inbound subscribed directly. */
  @State(Scope.Thread)
  public static class Bare {
    InMemoryTransport.Peer peer;
    Transport.Connection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      InMemoryTransport transport = new InMemoryTransport();
      connection = transport.connect(reactor.core.publisher.Flux.never()).block();
      connection.inbound().subscribe(new Consuming(blackhole));
      peer = transport.lastPeer();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.dispose();
    }
  }

  /** The same transport under a supervisor on {@code Schedulers.parallel()}, the default. */
  @State(Scope.Thread)
  public static class Supervised {
    InMemoryTransport.Peer peer;
    SupervisedConnection connection;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      InMemoryTransport transport = new InMemoryTransport();
      connection =
          Supervisor.create(transport)
              .heartbeat(Heartbeat.ping().interval(Duration.ofHours(1)))
              .scheduler(Schedulers.parallel())
              .connection();
      connection.inbound().subscribe(new Consuming(blackhole));
      peer = transport.lastPeer();
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.close().block(Duration.ofSeconds(10));
    }
  }

  /**
   * A supervisor over a {@link DiscardingTransport} (whose writes go to the blackhole: {@code
   * InMemoryTransport}'s peer records every frame, which would dominate), with or without resume.
   */
  public abstract static class OverSink {
    DiscardingTransport.Silent peer;
    SupervisedConnection connection;

    abstract boolean resume();

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      boolean resume = resume();
      DiscardingTransport transport =
          new DiscardingTransport(blackhole, resume ? dev.lifeline.Resume.PROTOCOL : "");
      Supervisor supervisor =
          Supervisor.create(transport)
              .heartbeat(Heartbeat.ping().interval(Duration.ofHours(1)))
              .scheduler(Schedulers.parallel());
      connection =
          (resume ? supervisor.resume(dev.lifeline.Resume.defaults()) : supervisor).connection();
      connection.inbound().subscribe(new Consuming(blackhole));
      peer = transport.connection;
      if (resume) {
        peer.send(
            dev.lifeline.internal.ResumeMessages.welcome(
                dev.lifeline.internal.ResumeMessages.NEW,
                0,
                new byte[dev.lifeline.internal.ResumeMessages.SESSION_ID_LENGTH]));
      }
    }

    @TearDown(Level.Trial)
    public void close() {
      connection.close().block(Duration.ofSeconds(10));
    }
  }

  /** Without resume: the baseline for {@link SupervisedResume}. */
  @State(Scope.Thread)
  public static class SupervisedSink extends OverSink {
    @Override
    boolean resume() {
      return false;
    }
  }

  /**
   * With {@code lifeline.resume.v1} negotiated: every frame is counted, and every 32nd makes the
   * client write an acknowledgement.
   */
  @State(Scope.Thread)
  public static class SupervisedResume extends OverSink {
    @Override
    boolean resume() {
      return true;
    }
  }

  @Benchmark
  public void supervisedSink(SupervisedSink state) {
    state.peer.send(FRAME);
  }

  @Benchmark
  public void supervisedResume(SupervisedResume state) {
    state.peer.send(FRAME);
  }

  @Benchmark
  public void bare(Bare state) {
    state.peer.send(FRAME);
  }

  @Benchmark
  public void supervised(Supervised state) {
    state.peer.send(FRAME);
  }
}
