package dev.lifeline.netty;

import dev.lifeline.Frame;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.Resume;
import dev.lifeline.Supervisor;
import dev.lifeline.SupervisorClosedException;
import dev.lifeline.internal.Mailbox;
import dev.lifeline.internal.Outbox;
import dev.lifeline.internal.ResumeMessages;
import dev.lifeline.internal.Resumption;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * One {@code lifeline.resume.v1} session on the server: the {@link ServerConnection} the
 * application's handler gets once, whose {@link #inbound()} and {@link #send(Publisher)} span the
 * physical connections the client makes (each a {@link SessionAttachment} of a {@link
 * ServerSession}).
 *
 * <p><b>Confined</b> to the session's own {@link Mailbox} (reactor-core's drain loop, as a client
 * connection's): the physical connections' frames and ends, the application's subscribe, request,
 * cancel, sends and close, and the expiry timer all hop in before they touch a field, so the fields
 * are plain. The only exceptions are {@code remoteAddress} (volatile, read by any thread) and the
 * {@link ResumeSessions} registry, which has its own guard.
 *
 * <p>Data frames from the client are counted as they are read into the session, handed to the
 * application on its demand, and acknowledged once the application took them: the client can then
 * have at most its replay buffer's worth read ahead and in flight together. Frames read but not
 * taken when a connection resumes the session are dropped; the client, which still keeps them,
 * replays them. The session reads at least its replay bound ahead of the application, in frames and
 * in bytes (and at most a quarter more and one message, since read credit is given back in batches:
 * a request per frame would switch Netty's auto-read off and on for every frame), so the client's
 * acknowledgements, behind its data in the TCP stream, are always read ({@link
 * ResumeSessions.ReadAhead}).
 */
final class ResumedSession extends Flux<Frame> implements ServerConnection, LongConsumer {

  private final ServerSupervisor supervisor;
  private final ResumeSessions registry;
  private final String id;
  private final String key;
  private final byte[] sessionId;
  final Mailbox mailbox;
  private final Outbox outbox;
  private final Resumption state;
  private volatile SocketAddress remoteAddress;

  private SessionAttachment current;
  private CoreSubscriber<? super Frame> app;
  private boolean subscribedOnce;
  private long demand;
  private final SizedFrames pending = new SizedFrames();
  private boolean ended;
  private Throwable endCause;
  private long detachedAt = -1;
  private Disposable expiry;

  ResumedSession(
      ServerSupervisor supervisor,
      ResumeSessions registry,
      String id,
      byte[] sessionId,
      Resume resume,
      SocketAddress remoteAddress) {
    this.supervisor = supervisor;
    this.registry = registry;
    this.id = id;
    this.mailbox = new Mailbox(this, "server session " + id);
    this.sessionId = sessionId;
    this.key = ResumeSessions.key(sessionId);
    // sends waiting while the replay buffer is full or the session detached: a client's default
    this.outbox = new Outbox(mailbox, Supervisor.DEFAULT_OUTBOUND_BUFFER_CAPACITY);
    this.state = new Resumption(resume);
    outbox.resume(state);
    this.remoteAddress = remoteAddress;
  }

  String key() {
    return key;
  }

  /** Runs the application's handler for this session, once; its end closes the session. */
  void start(Function<ServerConnection, Publisher<Void>> application) {
    Publisher<Void> running;
    try {
      running = Objects.requireNonNull(application.apply(this), "application's publisher");
    } catch (RuntimeException e) {
      running = Mono.error(e);
    }
    Flux.from(running)
        .subscribe(
            null,
            e -> close(1011, "application failed").subscribe(),
            () -> close(1000, "").subscribe());
  }

  // ---- ServerConnection ----------------------------------------------------------------------

  @Override
  public String id() {
    return id;
  }

  @Override
  public SocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public Flux<Frame> inbound() {
    return this;
  }

  @Override
  public Mono<Void> send(Publisher<Frame> frames) {
    return outbox.sendAll(ServerSession.withoutClose(frames));
  }

  /** Ends the session: closes its connection with {@code code}; it cannot be resumed after. */
  @Override
  public Mono<Void> close(int code, String reason) {
    return Mono.create(
        sink ->
            mailbox.execute(
                () -> {
                  SessionAttachment a = current;
                  end(null, "the session was closed by the server");
                  if (a != null) {
                    a.physical.close(code, reason).subscribe(null, e -> a.physical.dispose());
                  }
                  sink.success();
                }));
  }

  @Override
  public String toString() {
    return "ServerConnection[session " + id + ", " + remoteAddress + "]";
  }

  // ---- the application's inbound subscription ----------------------------------------------

  @Override
  public void subscribe(CoreSubscriber<? super Frame> subscriber) {
    mailbox.execute(
        () -> {
          if (subscribedOnce) {
            Operators.error(
                subscriber,
                new IllegalStateException(
                    "inbound() of a resumed session can be subscribed once and already was"));
            return;
          }
          subscribedOnce = true;
          app = subscriber;
          subscriber.onSubscribe(
              new Subscription() {
                @Override
                public void request(long n) {
                  if (Operators.validate(n)) {
                    mailbox.request(n);
                  }
                }

                @Override
                public void cancel() {
                  mailbox.execute(() -> cancelled());
                }
              });
          if (ended) {
            terminateApp();
          }
        });
  }

  /** Inside: the application asked for {@code n} more. */
  @Override
  public void accept(long n) {
    if (app == null) {
      return;
    }
    long d = demand + n;
    demand = d < 0 ? Long.MAX_VALUE : d;
    deliverPending();
  }

  private void deliverPending() {
    while (demand > 0 && app != null && !pending.isEmpty()) {
      int size = pending.peekSize();
      Frame next = pending.poll();
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      state.consumedData(size); // acknowledged once the application has it
      app.onNext(next);
      if (current != null) {
        current.read(1, size); // a place of the read-ahead is free
      }
    }
    if (state.controlDue()) {
      outbox.drain();
    }
    if (ended && pending.isEmpty()) {
      terminateApp();
    }
  }

  private void cancelled() {
    app = null;
    pending.clear();
    SessionAttachment a = current;
    end(null, "the application cancelled the session's inbound stream");
    if (a != null) {
      a.physical.close(1000, "").subscribe(null, e -> a.physical.dispose());
    }
  }

  // ---- the physical connections ----------------------------------------------------------------

  /** Inside: {@code a}'s HELLO named this session (or created it); it takes over. */
  void attach(SessionAttachment a, long clientReceived, boolean resumed) {
    if (ended) {
      a.discard(); // reads on, to the client's close frame
      a.physical.close(1001, "session ended").subscribe(null, e -> a.physical.dispose());
      return;
    }
    SessionAttachment old = current;
    if (old != null) {
      // the client reconnected before this side noticed the old connection died
      outbox.detach(old);
      old.physical.dispose();
    }
    if (expiry != null) {
      expiry.dispose();
      expiry = null;
    }
    // what the application did not take yet is replayed by the client: it was not acknowledged
    pending.clear();
    state.forgetHeld();
    long now = supervisor.scheduler().now(TimeUnit.NANOSECONDS);
    Duration downtime = detachedAt < 0 ? Duration.ZERO : Duration.ofNanos(now - detachedAt);
    long replayed = state.welcomeClient(sessionId, resumed, clientReceived);
    current = a;
    registry.attached(this);
    remoteAddress = a.physical.remoteAddress();
    if (resumed) {
      supervisor.emit(
          new ServerEvent.SessionResumed(
              supervisor.now(), id, remoteAddress, replayed, state.received(), downtime));
    } else {
      supervisor.emit(new ServerEvent.SessionStarted(supervisor.now(), id, remoteAddress));
    }
    a.bound();
  }

  /** Inside: a frame from {@code a}, of {@code size} payload bytes on the wire. */
  void frame(SessionAttachment a, Frame frame, int size) {
    if (a != current || ended) {
      // dropped (the client replays what was not acknowledged), and its read-ahead place given
      // back (a connection the session let go discards its frames on its event loop from now on)
      a.read(1, size);
      return;
    }
    if (ResumeMessages.isControl(frame)) {
      control(a, (Frame.Pong) frame, size);
      return;
    }
    state.heldData();
    pending.add(frame, size);
    deliverPending();
  }

  private void control(SessionAttachment a, Frame.Pong frame, int size) {
    ResumeMessages.Message m;
    long acknowledged;
    try {
      acknowledged = ResumeMessages.ackCount(frame); // the steady stream's message: no allocation
      m = acknowledged < 0 ? ResumeMessages.decode(frame) : null;
    } catch (IllegalArgumentException e) {
      violation(a, "malformed resume message: " + e.getMessage());
      return;
    }
    if (m == null) {
      if (!state.acknowledged(acknowledged)) {
        violation(
            a,
            "the client acknowledged "
                + acknowledged
                + " frames, but "
                + state.out.acknowledged()
                + " to "
                + state.out.sent()
                + " were possible");
        return;
      }
    } else if (m.type() == ResumeMessages.ACK_REQUEST) {
      state.ackRequested();
    } else {
      violation(a, "a second HELLO or a WELCOME, which only the server sends");
      return;
    }
    outbox.drain();
    a.read(1, size);
  }

  private void violation(SessionAttachment a, String what) {
    supervisor.emit(
        new ServerEvent.SessionExpired(
            supervisor.now(),
            id,
            remoteAddress,
            state.out.size(),
            "client broke the resume protocol: " + what));
    end(
        new ProtocolViolationException(
            1002, "client " + remoteAddress + " broke " + Resume.PROTOCOL + ": " + what, null),
        null);
    a.physical.close(1002, "resume protocol violation").subscribe(null, e -> a.physical.dispose());
  }

  /**
   * Inside: {@code a}'s connection ended. The session waits for the client to come back, unless the
   * client's application closed it (status 1000, the client first): a close by either application
   * ends the session (the protocol's rule 6.4), so the application's inbound completes and nothing
   * is reported lost.
   */
  void ended(SessionAttachment a, boolean closedByClient) {
    if (a != current) {
      return;
    }
    current = null;
    outbox.detach(a);
    if (closedByClient) {
      end(null, "the client closed the session");
      return;
    }
    long now = supervisor.scheduler().now(TimeUnit.NANOSECONDS);
    state.detached(now);
    detachedAt = now;
    if (ended) {
      return;
    }
    expiry =
        supervisor
            .scheduler()
            .schedule(
                () -> mailbox.execute(this::expire),
                registry.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
    registry.detached(this);
  }

  /** Inside: the detached session timed out, or was evicted to make room. */
  void expire() {
    expire("the client did not come back within " + registry.timeout().toMillis() + " ms");
  }

  void expire(String why) {
    if (ended || current != null || !registry.removeIfDetached(this)) {
      return;
    }
    expired(why);
  }

  /** Inside: evicted from the detached sessions to make room; expires unless a client came back. */
  void evicted(String why) {
    if (ended || current != null) {
      return;
    }
    registry.remove(this);
    expired(why);
  }

  /** Inside: the session cannot go on (a HELLO claimed it with impossible counts). */
  void forceExpire(String why) {
    if (ended) {
      return;
    }
    SessionAttachment a = current;
    if (a != null) {
      outbox.detach(a);
      a.physical.dispose();
      current = null;
    }
    registry.remove(this);
    expired(why);
  }

  /** Whether a HELLO saying the client received {@code clientReceived} frames can resume. */
  boolean canResume(long clientReceived) {
    return !ended && state.canResume(clientReceived);
  }

  private void expired(String why) {
    supervisor.emit(
        new ServerEvent.SessionExpired(supervisor.now(), id, remoteAddress, state.out.size(), why));
    end(new ResumeSessionExpiredException(id, state.out.size(), why), null);
  }

  /**
   * Ends the session once: {@code error} for the application's inbound (null: it completes after
   * the frames it has not taken yet), {@code sendFailure} for sends still waiting.
   */
  private void end(Throwable error, String sendFailure) {
    if (ended) {
      return;
    }
    ended = true;
    endCause = error;
    if (expiry != null) {
      expiry.dispose();
      expiry = null;
    }
    registry.remove(this);
    SessionAttachment a = current;
    current = null;
    if (a != null) {
      outbox.detach(a);
      a.discard(); // its frames are dropped where they are read, to its close frame
    }
    outbox.terminate(
        error != null
            ? error
            : new SupervisorClosedException(
                "session " + id + " ended before this frame was sent: " + sendFailure));
    deliverPending();
  }

  private void terminateApp() {
    CoreSubscriber<? super Frame> subscriber = app;
    if (subscriber == null) {
      return;
    }
    app = null;
    if (endCause != null) {
      pending.clear();
      subscriber.onError(endCause);
    } else {
      subscriber.onComplete();
    }
  }

  // ---- an attachment's writer, inside ---------------------------------------------------------

  /**
   * {@code a}'s connection subscribed to its outbound stream: it is written to if still current.
   */
  void writerSubscribed(SessionAttachment a, Subscriber<? super Frame> writer) {
    if (current == a) {
      outbox.attach(a, writer);
    }
  }

  /** {@code a}'s connection can take {@code n} more frames. */
  void writerRequested(SessionAttachment a, long n) {
    outbox.request(a, n);
  }

  /** {@code a}'s connection stopped taking frames. */
  void writerCancelled(SessionAttachment a) {
    outbox.detach(a);
  }
}
