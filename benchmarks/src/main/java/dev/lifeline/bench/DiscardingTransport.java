package dev.lifeline.bench;

import dev.lifeline.Frame;
import dev.lifeline.Transport;
import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A transport whose connections write every outbound frame into a {@link Blackhole}, asking for
 * frames in batches the way Reactor Netty's send path does (256 up front, 128 more each time half
 * was written), and whose peer never sends anything.
 *
 * <p>Outbound benchmarks use it instead of {@code InMemoryTransport}, whose peer records every
 * frame in a {@code CopyOnWriteArrayList} for tests to assert on: that copy grows with every frame
 * and would dominate any per-frame measurement.
 *
 * <p><b>Threads.</b> {@link #writer} and {@link #connection} are written once per connection by the
 * supervisor's connecting thread and read by the benchmark thread: volatile publication, nothing
 * more. A {@link Writer} is driven by the supervisor's outbound stream, one signal at a time
 * (Reactive Streams rule 1.3), so its counter is plain. A {@link Silent} connection's peer is
 * driven by one benchmark thread at a time ({@link Silent#send}); its {@code disposed} flag is
 * written by whoever disposes and read by any thread.
 */
final class DiscardingTransport implements Transport {
  static final int PREFETCH = 256;
  static final int REFILL = PREFETCH / 2;

  /** How often an acknowledging peer acknowledges: the client's default, every 32 data frames. */
  static final int ACK_EVERY = dev.lifeline.Resume.DEFAULT_ACK_EVERY_FRAMES;

  private final Blackhole blackhole;
  private final String subprotocol;
  private final boolean acknowledging;
  private final boolean perRead;

  /** The writer of the most recent connection: what a bare application would call directly. */
  volatile Writer writer;

  /** The most recent connection, whose peer a benchmark can make send. */
  volatile Silent connection;

  DiscardingTransport(Blackhole blackhole) {
    this(blackhole, "");
  }

  /** Its connections say the peer selected {@code subprotocol} ("" for none). */
  DiscardingTransport(Blackhole blackhole, String subprotocol) {
    this(blackhole, subprotocol, false);
  }

  /**
   * As above; when {@code acknowledging}, the peer acknowledges the data frames it is sent, every
   * {@link #ACK_EVERY}, as a resuming server does ({@code lifeline.resume.v1} ACK messages, sent
   * inbound from the writing thread), so that a resuming client's replay buffer empties.
   */
  DiscardingTransport(Blackhole blackhole, String subprotocol, boolean acknowledging) {
    this(blackhole, subprotocol, acknowledging, false);
  }

  /**
   * As above; when {@code perRead}, its connections call a read listener ({@code
   * Connection.onBytesReceived}) once per {@link Silent#read}, as the Netty transport does once per
   * socket read, instead of letting the supervisor stamp every frame.
   */
  DiscardingTransport(
      Blackhole blackhole, String subprotocol, boolean acknowledging, boolean perRead) {
    this.blackhole = blackhole;
    this.subprotocol = subprotocol;
    this.acknowledging = acknowledging;
    this.perRead = perRead;
  }

  @Override
  public Mono<Connection> connect(Publisher<Frame> outbound) {
    return Mono.fromSupplier(
        () -> {
          Silent c = new Silent(subprotocol, perRead);
          Writer w = new Writer(blackhole, acknowledging ? c : null);
          writer = w;
          connection = c;
          outbound.subscribe(w);
          return c;
        });
  }

  /** Writes frames to the blackhole; requests in batches like Reactor Netty's MonoSendMany. */
  static final class Writer implements CoreSubscriber<Frame> {
    private final Blackhole blackhole;
    private final Silent acknowledger;
    private Subscription subscription;
    private int sinceRefill;
    private long dataFrames;

    Writer(Blackhole blackhole, Silent acknowledger) {
      this.blackhole = blackhole;
      this.acknowledger = acknowledger;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      s.request(PREFETCH);
    }

    @Override
    public void onNext(Frame frame) {
      blackhole.consume(frame);
      if (acknowledger != null
          && dev.lifeline.internal.ResumeMessages.isData(frame)
          && ++dataFrames % ACK_EVERY == 0) {
        acknowledger.send(dev.lifeline.internal.ResumeMessages.ack(dataFrames));
      }
      if (++sinceRefill == REFILL) {
        sinceRefill = 0;
        subscription.request(REFILL);
      }
    }

    @Override
    public void onError(Throwable t) {
      // an outbound stream never fails
    }

    @Override
    public void onComplete() {
      // an outbound stream never completes
    }
  }

  /** A connection whose peer sends only what a benchmark makes it; disposing ends its inbound. */
  static final class Silent implements Connection {
    private final Sinks.Many<Frame> inbound = Sinks.many().unicast().onBackpressureBuffer();
    private final String subprotocol;
    private final boolean perRead;
    private volatile boolean disposed;

    /** The supervisor's read listener; written by its thread before the first read, then read. */
    private volatile Runnable readListener;

    Silent(String subprotocol, boolean perRead) {
      this.subprotocol = subprotocol;
      this.perRead = perRead;
    }

    /**
     * One socket read that carried {@code frames} copies of {@code frame}: the read listener, if
     * any, then the frames; from one thread at a time.
     */
    void read(Frame frame, int frames) {
      Runnable listener = readListener;
      if (listener != null) {
        listener.run();
      }
      for (int i = 0; i < frames; i++) {
        inbound.tryEmitNext(frame);
      }
    }

    @Override
    public boolean onBytesReceived(Runnable listener) {
      if (!perRead) {
        return false;
      }
      readListener = listener;
      return true;
    }

    /** The peer sends {@code frame}; from one thread at a time. */
    void send(Frame frame) {
      // Results considered: OK; after dispose FAIL_TERMINATED, and the frame is gone with it
      inbound.tryEmitNext(frame);
    }

    @Override
    public String subprotocol() {
      return subprotocol;
    }

    @Override
    public Flux<Frame> inbound() {
      return inbound.asFlux();
    }

    @Override
    public Mono<Void> close(Frame.Close frame) {
      return Mono.fromRunnable(this::dispose);
    }

    @Override
    public void dispose() {
      disposed = true;
      // Results considered: OK, or FAIL_TERMINATED when already disposed; both leave it ended.
      inbound.tryEmitComplete();
    }

    @Override
    public boolean isDisposed() {
      return disposed;
    }
  }
}
