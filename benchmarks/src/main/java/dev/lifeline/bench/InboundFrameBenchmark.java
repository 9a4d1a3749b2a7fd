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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * (queue offer and drain); the difference is what supervision adds per frame: entering and leaving
 * the connection's mailbox (two compare-and-sets), the watchdog's stamp (one clock read: the
 * in-memory transport does not report reads, so every frame is stamped), the heartbeat and resume
 * tests, and the hand-over to the application.
 *
 * <p>The {@code *Reads} pair measures the same through a transport that reports each read of {@link
 * #FRAMES_PER_READ} frames, as the Netty transport reports each socket read: the clock is read once
 * per read, as Netty's own {@code IdleStateHandler} does, and the per-frame difference is the
 * engine's alone.
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

  /**
   * Frames per socket read in the {@code *Reads} benchmarks: a transport that tells the supervisor
   * of every read (the Netty transport does) is stamped once per read, not per frame.
   */
  static final int FRAMES_PER_READ = 16;

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

    boolean perRead() {
      return false;
    }

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      boolean resume = resume();
      DiscardingTransport transport =
          new DiscardingTransport(
              blackhole, resume ? dev.lifeline.Resume.PROTOCOL : "", false, perRead());
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

  /**
   * Reads of {@link #FRAMES_PER_READ} frames through a transport that reports each read, as the
   * Netty transport does: the supervisor reads the clock once per read.
   */
  @State(Scope.Thread)
  public static class SupervisedReads extends OverSink {
    @Override
    boolean resume() {
      return false;
    }

    @Override
    boolean perRead() {
      return true;
    }
  }

  /** The same reads, the connection's inbound subscribed directly: the baseline. */
  @State(Scope.Thread)
  public static class BareReads {
    DiscardingTransport.Silent peer;

    @Setup(Level.Trial)
    public void open(Blackhole blackhole) {
      peer = new DiscardingTransport.Silent("", false);
      peer.inbound().subscribe(new Consuming(blackhole));
    }

    @TearDown(Level.Trial)
    public void close() {
      peer.dispose();
    }
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES_PER_READ)
  public void bareReads(BareReads state) {
    state.peer.read(FRAME, FRAMES_PER_READ);
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES_PER_READ)
  public void supervisedReads(SupervisedReads state) {
    state.peer.read(FRAME, FRAMES_PER_READ);
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
