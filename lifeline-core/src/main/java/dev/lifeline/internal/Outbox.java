package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.OutboundBufferFullException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import reactor.core.publisher.Mono;

/**
 * The application's frames on their way to whichever connection is live (C9): a bounded queue of
 * sends, drained in order into the current connection's writer as its transport requests frames.
 * Heartbeats overtake queued frames, since a heartbeat stuck behind a backlog would prove nothing.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}: every method but {@link #send}, {@link
 * #sendAll} and the monitoring reads below runs inside it, and every field is plain. The sends
 * ({@link SendOne}, {@link SendStream}) those two make hop into the mailbox before they touch
 * anything here.
 *
 * <p>A send completes when its frame is handed to a live connection's transport; it fails with
 * {@link OutboundBufferFullException} when {@code capacity} frames already wait (exactly: a place
 * is free the moment a frame leaves or is withdrawn), and with the terminal error when supervision
 * ends first. A frame offered while nothing waits and the connection has demand skips the queue.
 * Every frame handed to a connection goes through {@link #write(Frame)}, which counts it: the place
 * where frames written but not yet confirmed can be kept.
 *
 * <p>Three fields are also read from other threads, for monitoring only ({@link #sent()}, {@link
 * #queued()}, {@link #queuedBytes()}): written inside with opaque stores (a plain move on x86 and
 * ARM, no fence) and read with opaque loads, so that a reader sees a whole, recent value and never
 * a torn one.
 */
public final class Outbox {
  private static final VarHandle SENT;
  private static final VarHandle WAITING;
  private static final VarHandle WAITING_BYTES;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      SENT = lookup.findVarHandle(Outbox.class, "sent", long.class);
      WAITING = lookup.findVarHandle(Outbox.class, "waiting", int.class);
      WAITING_BYTES = lookup.findVarHandle(Outbox.class, "waitingBytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** One entry of the queue: one frame's send, or a stream with frames waiting. */
  interface Ticket {
    /** Writes what can go now, while {@link Outbox#ready()}. */
    void emitTo(Outbox outbox);

    /** Supervision ended before this ticket's frames left. */
    void fail(Throwable cause);
  }

  final Mailbox mailbox;
  private final int capacity;

  /** Made when the first frame has to wait: an idle connection holds none. */
  private ArrayDeque<Ticket> queue;

  /** Frames holding a place: waiting in the queue, not yet written or withdrawn. */
  private int waiting;

  /**
   * The payload bytes of the frames holding a place (UTF-8 for text): counted only for frames that
   * wait, so a frame that goes straight to the connection costs nothing.
   */
  private long waitingBytes;

  /** Application frames handed to a transport, over every connection (opaque, see above). */
  private long sent;

  private Throwable terminal;
  private Frame heartbeat;

  /** The live connection's writer, or null while there is none. */
  private Subscriber<? super Frame> writer;

  /** Who attached {@link #writer}: its requests are the only ones that count. */
  private Object owner;

  /** The resume session, or null without resume: gates, replays and counts what is written. */
  private Resumption resumption;

  private long demand;
  private long written;
  private boolean draining;
  private boolean again;

  /** How many frames may wait. */
  int capacity() {
    return capacity;
  }

  public Outbox(Mailbox mailbox, int capacity) {
    this.mailbox = mailbox;
    this.capacity = capacity;
  }

  /** From now on, what is written is counted and kept for {@code session} (resume). */
  public void resume(Resumption session) {
    this.resumption = session;
  }

  /** A send of {@code frame}: lazy, offered when subscribed. */
  public Mono<Void> send(Frame frame) {
    return new SendOne(this, frame);
  }

  /** A send of every frame of {@code frames}: lazy, subscribes with a bounded prefetch. */
  public Mono<Void> sendAll(Publisher<? extends Frame> frames) {
    return new SendStream.Send(this, frames);
  }

  /** {@code writer} of {@code owner}'s connection receives frames from now on. */
  public void attach(Object owner, Subscriber<? super Frame> writer) {
    this.owner = owner;
    this.writer = writer;
    this.demand = 0;
    this.written = 0;
  }

  /** {@code owner}'s transport asked for {@code n} more frames; ignored from an old connection. */
  public void request(Object owner, long n) {
    if (owner != this.owner || writer == null) {
      return;
    }
    long d = demand + n;
    demand = d < 0 ? Long.MAX_VALUE : d;
    drain();
  }

  /**
   * Stops handing frames to the current connection; waiting frames stay for the next one, and a
   * heartbeat not written yet is dropped with the connection it was for.
   */
  public void detach(Object owner) {
    if (owner == this.owner) {
      release();
    }
  }

  private void release() {
    writer = null;
    owner = null;
    heartbeat = null;
    demand = 0;
  }

  /** Hands {@code ping} to the live connection ahead of any waiting frame. */
  public void sendHeartbeat(Frame ping) {
    if (writer != null) {
      heartbeat = ping;
      drain();
    }
  }

  /** The application frames handed to the current (or last) connection. */
  public long written() {
    return written;
  }

  /** Frames waiting for a connection. */
  public int waiting() {
    return waiting;
  }

  /** {@link #waiting()}, from any thread: for monitoring. */
  public int queued() {
    return (int) WAITING.getOpaque(this);
  }

  /** The payload bytes of the frames {@link #queued()}, from any thread: for monitoring. */
  public long queuedBytes() {
    return (long) WAITING_BYTES.getOpaque(this);
  }

  /** Application frames handed to a transport so far, from any thread: for monitoring. */
  public long sent() {
    return (long) SENT.getOpaque(this);
  }

  /** Ends the outbox: every waiting frame and every later send fails with {@code cause}. */
  public void terminate(Throwable cause) {
    if (terminal == null) {
      terminal = cause;
      release();
      drain();
    }
  }

  // ---- for the sends, inside the mailbox ---------------------------------------------------

  /** A single frame's send arrived. */
  void offer(SendOne send) {
    if (terminal != null) {
      send.fail(terminal);
      return;
    }
    if (nothingWaits() && ready()) {
      send.emitTo(this);
      return;
    }
    Throwable refused = reserve(send.frame);
    if (refused != null) {
      send.fail(refused);
      return;
    }
    enqueue(send);
  }

  /** Whether no send waits ahead of a new frame. */
  boolean nothingWaits() {
    return queue == null || queue.isEmpty();
  }

  /** Takes a place for {@code frame}: null if there was one, otherwise why not. */
  Throwable reserve(Frame frame) {
    if (terminal != null) {
      return terminal;
    }
    if (waiting >= capacity) {
      return new OutboundBufferFullException(capacity);
    }
    WAITING.setOpaque(this, waiting + 1);
    WAITING_BYTES.setOpaque(this, waitingBytes + ResumeMessages.size(frame));
    return null;
  }

  /** Gives back the place {@code frame} held: it was withdrawn. */
  void free(Frame frame) {
    free(ResumeMessages.size(frame));
  }

  private void free(long size) {
    WAITING.setOpaque(this, waiting - 1);
    WAITING_BYTES.setOpaque(this, waitingBytes - size);
  }

  void enqueue(Ticket ticket) {
    if (queue == null) {
      queue = new ArrayDeque<>();
    }
    queue.add(ticket);
  }

  /** A ticket withdrawn before its turn (its sender cancelled or failed). */
  void remove(Ticket ticket) {
    if (queue != null) {
      queue.remove(ticket);
    }
  }

  /**
   * Whether an application frame can be written now; writes a pending heartbeat first, so that it
   * overtakes every waiting frame.
   */
  boolean ready() {
    if (writer == null || demand == 0) {
      return false;
    }
    Resumption session = resumption;
    if (session != null && session.phase() != Resumption.Phase.PLAIN) {
      return resumeReady(session);
    }
    return heartbeatWritten();
  }

  /** Writes a pending heartbeat; whether a frame can be written after it. */
  private boolean heartbeatWritten() {
    Frame ping = heartbeat;
    if (ping != null) {
      heartbeat = null;
      demand--;
      writer.onNext(ping);
      return writer != null && demand != 0;
    }
    return true;
  }

  /**
   * {@link #ready()} on a resume connection: control messages first (HELLO before anything else),
   * then a pending heartbeat, then the replay of what the peer did not receive, and only then, if
   * the replay buffer has room, a new frame.
   */
  private boolean resumeReady(Resumption session) {
    if (session.phase() == Resumption.Phase.PENDING) {
      return false;
    }
    Frame control;
    while ((control = session.nextControl()) != null) {
      demand--;
      writer.onNext(control);
      if (writer == null || demand == 0) {
        return false;
      }
    }
    if (session.phase() != Resumption.Phase.READY || !heartbeatWritten()) {
      return false;
    }
    ReplayBuffer replay = session.out;
    while (replay.replaying()) {
      demand--;
      writer.onNext(replay.nextReplayed());
      if (writer == null || demand == 0) {
        return false;
      }
    }
    if (replay.full()) {
      session.bufferFull();
      if ((control = session.nextControl()) != null) {
        demand--;
        writer.onNext(control);
      }
      return false;
    }
    return true;
  }

  /** Writes an application frame, after {@link #ready()}. */
  void write(Frame frame) {
    write(frame, -1);
  }

  /**
   * Writes a frame that held a place, after {@link #ready()}: the place is given back, and the
   * frame's size, measured once, is what the replay buffer keeps too.
   */
  void writeQueued(Frame frame) {
    long size = ResumeMessages.size(frame);
    free(size);
    write(frame, size);
  }

  /** {@code size}: the frame's size if already measured, or -1. */
  private void write(Frame frame, long size) {
    demand--;
    written++;
    SENT.setOpaque(this, sent + 1);
    Resumption session = resumption;
    if (session != null && session.active() && ResumeMessages.isData(frame)) {
      session.out.add(frame, size < 0 ? ResumeMessages.size(frame) : size);
    }
    writer.onNext(frame);
  }

  /**
   * Hands waiting frames to the writer while it has demand. Re-entrant calls (a writer requesting
   * more from inside {@code onNext}, a stream answering a request synchronously) only ask the loop
   * running to go round once more.
   */
  public void drain() {
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    try {
      do {
        again = false;
        Ticket ticket;
        if (terminal != null) {
          while (queue != null && (ticket = queue.poll()) != null) {
            ticket.fail(terminal);
          }
        } else {
          while (ready() && queue != null && (ticket = queue.poll()) != null) {
            ticket.emitTo(this);
          }
        }
      } while (again);
    } finally {
      draining = false;
    }
  }
}
