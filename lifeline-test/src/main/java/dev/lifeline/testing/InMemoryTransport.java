package dev.lifeline.testing;

import dev.lifeline.Frame;
import dev.lifeline.Transport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A {@link Transport} without a network, for tests: every accepted connection has a scripted {@link
 * Peer} that sends frames, closes or fails on command and records what the client wrote. Everything
 * happens synchronously on the caller's thread, so a {@code VirtualTimeScheduler} fully controls a
 * supervised connection over it.
 *
 * <p>Connection attempts follow the current {@linkplain #accept() mode} — accept, {@linkplain
 * #refuse(Throwable) refuse} or {@linkplain #hang() hang} — unless {@link #failNext(Throwable)}
 * scripted the next ones. Not designed for concurrent peers on several threads: drive each peer
 * from one thread at a time.
 *
 * @since 0.1.0
 */
public final class InMemoryTransport implements Transport {

  private final List<Peer> peers = new CopyOnWriteArrayList<>();
  private final List<Throwable> scripted = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private volatile Mode mode = Mode.ACCEPT;
  private volatile long outboundDemand = Long.MAX_VALUE;
  private volatile Throwable refusal;
  private volatile String selects = "";

  private enum Mode {
    ACCEPT,
    REFUSE,
    HANG
  }

  /**
   * How many frames each new peer reads before it waits for {@link Peer#request(long)}, as a slow
   * network or reader would. Defaults to unbounded.
   *
   * @since 0.1.0
   */
  public InMemoryTransport outboundDemand(long frames) {
    if (frames < 0) {
      throw new IllegalArgumentException("outbound demand must be 0 or more, was " + frames);
    }
    outboundDemand = frames;
    return this;
  }

  /**
   * From now on, peers select {@code subprotocol} when the client offers it (as {@code
   * Sec-WebSocket-Protocol} would), for example {@link dev.lifeline.Resume#PROTOCOL} to speak
   * resume from the test; the empty string (the default) selects none.
   *
   * @since 0.2.0
   */
  public InMemoryTransport selectSubprotocol(String subprotocol) {
    selects = Objects.requireNonNull(subprotocol, "subprotocol");
    return this;
  }

  /**
   * From now on, accept every connection attempt at once (the default).
   *
   * @since 0.1.0
   */
  public InMemoryTransport accept() {
    mode = Mode.ACCEPT;
    return this;
  }

  /**
   * From now on, fail every connection attempt with {@code error}, as a server that is down.
   *
   * @since 0.1.0
   */
  public InMemoryTransport refuse(Throwable error) {
    refusal = Objects.requireNonNull(error, "error");
    mode = Mode.REFUSE;
    return this;
  }

  /**
   * From now on, let connection attempts hang until cancelled, as a server that never answers.
   *
   * @since 0.1.0
   */
  public InMemoryTransport hang() {
    mode = Mode.HANG;
    return this;
  }

  /**
   * Fails the next attempt not yet scripted with {@code error}, whatever the mode.
   *
   * @since 0.1.0
   */
  public InMemoryTransport failNext(Throwable error) {
    scripted.add(Objects.requireNonNull(error, "error"));
    return this;
  }

  /**
   * How many connection attempts were made (subscriptions to {@link #connect}).
   *
   * @since 0.1.0
   */
  public int attempts() {
    return attempts.get();
  }

  /**
   * How many attempts are hanging right now.
   *
   * @since 0.1.0
   */
  public int hanging() {
    return pending.get();
  }

  /**
   * The peers of every accepted connection, oldest first.
   *
   * @since 0.1.0
   */
  public List<Peer> peers() {
    return List.copyOf(peers);
  }

  /**
   * The peer of the most recently accepted connection.
   *
   * @since 0.1.0
   */
  public Peer lastPeer() {
    if (peers.isEmpty()) {
      throw new IllegalStateException("no connection was accepted yet");
    }
    return peers.get(peers.size() - 1);
  }

  /**
   * The peers whose connection is still open.
   *
   * @since 0.1.0
   */
  public long openConnections() {
    return peers.stream().filter(Peer::isOpen).count();
  }

  @Override
  public Mono<Connection> connect(Publisher<Frame> outbound) {
    return connect(outbound, List.of());
  }

  @Override
  public Mono<Connection> connect(Publisher<Frame> outbound, List<String> subprotocols) {
    List<String> offered = List.copyOf(subprotocols);
    return Mono.defer(
        () -> {
          attempts.incrementAndGet();
          Throwable failure = scripted.isEmpty() ? null : scripted.remove(0);
          if (failure != null) {
            return Mono.error(failure);
          }
          return switch (mode) {
            case REFUSE -> Mono.error(refusal);
            case HANG ->
                Mono.<Connection>never()
                    .doOnSubscribe(s -> pending.incrementAndGet())
                    .doOnCancel(pending::decrementAndGet);
            case ACCEPT -> {
              String wanted = selects;
              Peer peer =
                  new Peer(
                      peers.size(),
                      outboundDemand,
                      offered,
                      offered.contains(wanted) ? wanted : "");
              peers.add(peer);
              outbound.subscribe(peer.reader);
              yield Mono.just(peer.connection);
            }
          };
        });
  }

  /**
   * {@code in-memory}.
   *
   * @since 0.2.0
   */
  @Override
  public String name() {
    return "in-memory";
  }

  @Override
  public String toString() {
    return "InMemoryTransport[" + attempts() + " attempts, " + peers.size() + " accepted]";
  }

  /**
   * The far end of one accepted connection.
   *
   * @since 0.1.0
   */
  public static final class Peer {
    private final int index;
    private final Sinks.Many<Frame> toClient = Sinks.many().unicast().onBackpressureBuffer();
    private final List<Frame> received = new CopyOnWriteArrayList<>();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final Reader reader = new Reader();
    private final ClientSide connection = new ClientSide();
    private volatile Frame.Close closeFromClient;
    private volatile boolean aborted;

    private final long initialDemand;
    private final List<String> offered;
    private final String selected;
    private volatile Subscription outbound;

    /** Payload bytes of the data frames delivered to the client, and taken from it. */
    private final AtomicLong bytesToClient = new AtomicLong();

    private final AtomicLong bytesFromClient = new AtomicLong();

    Peer(int index, long initialDemand, List<String> offered, String selected) {
      this.index = index;
      this.offered = offered;
      this.selected = selected;
      this.initialDemand = initialDemand;
    }

    /**
     * Lets the client write {@code frames} more frames to this peer.
     *
     * @since 0.1.0
     */
    public Peer request(long frames) {
      outbound.request(frames);
      return this;
    }

    /**
     * The subprotocols the client offered for this connection, most preferred first.
     *
     * @since 0.2.0
     */
    public List<String> offeredSubprotocols() {
      return offered;
    }

    /**
     * The subprotocol this peer selected, or the empty string.
     *
     * @since 0.2.0
     */
    public String subprotocol() {
      return selected;
    }

    /**
     * This connection's position among the transport's accepted ones, from 0.
     *
     * @since 0.1.0
     */
    public int index() {
      return index;
    }

    /**
     * Sends {@code frame} to the client.
     *
     * @since 0.1.0
     */
    public Peer send(Frame frame) {
      emit(toClient.tryEmitNext(frame));
      return this;
    }

    /**
     * Closes the connection with a close frame, as a server that says goodbye.
     *
     * @since 0.1.0
     */
    public void close(int code, String reason) {
      if (open.compareAndSet(true, false)) {
        emit(toClient.tryEmitNext(Frame.close(code, reason)));
        emit(toClient.tryEmitComplete());
      }
    }

    /**
     * Ends the connection without a close frame, as a TCP FIN with no WebSocket goodbye.
     *
     * @since 0.1.0
     */
    public void end() {
      if (open.compareAndSet(true, false)) {
        emit(toClient.tryEmitComplete());
      }
    }

    /**
     * Fails the connection with {@code error}, as an I/O error would.
     *
     * @since 0.1.0
     */
    public void fail(Throwable error) {
      if (open.compareAndSet(true, false)) {
        emit(toClient.tryEmitError(error));
      }
    }

    /**
     * Every frame the client wrote to this connection, heartbeats included, in order.
     *
     * @since 0.1.0
     */
    public List<Frame> received() {
      return List.copyOf(received);
    }

    /**
     * The text of every text frame the client wrote, in order.
     *
     * @since 0.1.0
     */
    public List<String> receivedTexts() {
      return received.stream()
          .filter(Frame.Text.class::isInstance)
          .map(f -> ((Frame.Text) f).text())
          .toList();
    }

    /**
     * Whether neither side has ended the connection.
     *
     * @since 0.1.0
     */
    public boolean isOpen() {
      return open.get();
    }

    /**
     * The close frame the client ended the connection with, or {@code null}.
     *
     * @since 0.1.0
     */
    public Frame.@Nullable Close closeFromClient() {
      return closeFromClient;
    }

    /**
     * Whether the client dropped the connection without a close frame.
     *
     * @since 0.1.0
     */
    public boolean aborted() {
      return aborted;
    }

    /** A data frame's payload bytes, UTF-8 for text, as a socket transport counts them. */
    private static long payloadBytes(Frame frame) {
      if (frame instanceof Frame.Text text) {
        return text.text().getBytes(StandardCharsets.UTF_8).length;
      }
      return frame instanceof Frame.Binary binary ? binary.length() : 0;
    }

    private static void emit(Sinks.EmitResult result) {
      // Results considered: OK; FAIL_TERMINATED when the client already ended the connection
      // (a peer writing into a closed socket loses the frame, as a real one would);
      // FAIL_CANCELLED when the client stopped reading, the same. FAIL_NON_SERIALIZED would mean
      // concurrent use, which this test transport does not support.
      if (result == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
        throw new IllegalStateException("a Peer must be driven from one thread at a time");
      }
    }

    private final class Reader implements CoreSubscriber<Frame> {
      @Override
      public void onSubscribe(Subscription s) {
        outbound = s;
        if (initialDemand > 0) {
          s.request(initialDemand);
        }
      }

      @Override
      public void onNext(Frame frame) {
        if (open.get()) {
          received.add(frame);
          bytesFromClient.addAndGet(payloadBytes(frame));
        }
      }

      @Override
      public void onError(Throwable t) {
        // the client's outbound never fails; nothing to record
      }

      @Override
      public void onComplete() {
        // the client's outbound never completes; nothing to record
      }
    }

    private final class ClientSide implements Connection {
      @Override
      public Flux<Frame> inbound() {
        return toClient.asFlux().doOnNext(frame -> bytesToClient.addAndGet(payloadBytes(frame)));
      }

      @Override
      public long bytesReceived() {
        return bytesToClient.get();
      }

      @Override
      public long bytesSent() {
        return bytesFromClient.get();
      }

      @Override
      public Mono<Void> close(Frame.Close frame) {
        return Mono.fromRunnable(
            () -> {
              if (open.compareAndSet(true, false)) {
                closeFromClient = frame;
                emit(toClient.tryEmitComplete());
              }
            });
      }

      @Override
      public void dispose() {
        if (open.compareAndSet(true, false)) {
          aborted = true;
          emit(toClient.tryEmitComplete());
        }
      }

      @Override
      public boolean isDisposed() {
        return !open.get();
      }

      @Override
      public String subprotocol() {
        return selected;
      }
    }
  }
}
