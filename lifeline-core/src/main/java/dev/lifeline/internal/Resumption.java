package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.Resume;
import java.util.Arrays;

/**
 * The client's side of a {@code lifeline.resume.v1} session (see {@code docs/resume-protocol.md}):
 * the frames written and not acknowledged ({@link ReplayBuffer}), the frames received, which
 * control messages are due, and where the current connection is in the protocol.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}, as the {@link Outbox} and {@link Link}
 * that call it: plain fields. It outlives the links: the session spans them.
 */
public final class Resumption {

  /** Where the current connection is in the protocol. */
  public enum Phase {
    /** No connection, or its handshake is under way: nothing may be written yet. */
    PENDING,
    /** The peer did not select the subprotocol: the connection runs without resume. */
    PLAIN,
    /** HELLO written or due; waiting for WELCOME: only control messages go. */
    GREETING,
    /** WELCOME arrived: replay, then new frames. */
    READY
  }

  final Resume config;
  public final ReplayBuffer out;
  private Phase phase = Phase.PENDING;

  /** The session id the server gave, or null before the first WELCOME and after a loss. */
  private byte[] session;

  /** Data frames received in the session. */
  private long received;

  /**
   * Data frames the application took (or, on the client, received): what an acknowledgement covers.
   * The server acknowledges only what its application took, so that its bounded read-ahead always
   * reaches the client's acknowledgements (docs/resume-protocol.md, section 5).
   */
  private long consumed;

  private long acknowledged;
  private long bytesSinceAck;

  /** HELLO (client) or WELCOME (server): the first frame of the connection, due. */
  private Frame greetingDue;

  private boolean ackDue;
  private boolean ackRequestDue;
  private boolean ackRequested;

  /** When the last connection of the session was lost, by the scheduler's clock; -1 if never. */
  private long detachedAt = -1;

  public Resumption(Resume config) {
    this.config = config;
    this.out = new ReplayBuffer(config.replayBufferFrames(), config.replayBufferBytes());
  }

  public Phase phase() {
    return phase;
  }

  /** Whether the current connection speaks the protocol. */
  public boolean active() {
    return phase == Phase.GREETING || phase == Phase.READY;
  }

  boolean hasSession() {
    return session != null;
  }

  public long received() {
    return received;
  }

  /** A new attempt starts: nothing goes out until its handshake said whether to resume. */
  public void attempting() {
    phase = Phase.PENDING;
    clearDue();
    out.stopReplay();
  }

  /** The handshake completed with resume selected: HELLO goes first. */
  void greeting() {
    phase = Phase.GREETING;
    clearDue();
    greetingDue = ResumeMessages.hello(received, session);
  }

  /** The handshake completed without resume: the connection is plain. */
  void plain() {
    phase = Phase.PLAIN;
    clearDue();
  }

  /** The connection ended at {@code now} (nanoseconds of the scheduler's clock). */
  public void detached(long now) {
    if (phase != Phase.PENDING && session != null) {
      detachedAt = now;
    }
    phase = Phase.PENDING;
    clearDue();
    out.stopReplay();
  }

  public long detachedAt() {
    return detachedAt;
  }

  private void clearDue() {
    greetingDue = null;
    ackDue = false;
    ackRequestDue = false;
    ackRequested = false;
  }

  /** The control message to write before anything else, or null; each is written once. */
  Frame nextControl() {
    Frame greeting = greetingDue;
    if (greeting != null) {
      greetingDue = null;
      return greeting;
    }
    if (phase != Phase.READY) {
      return null;
    }
    if (ackRequestDue) {
      ackRequestDue = false;
      return ResumeMessages.ackRequest();
    }
    if (ackDue) {
      ackDue = false;
      acknowledged = consumed;
      bytesSinceAck = 0;
      return ResumeMessages.ack(consumed);
    }
    return null;
  }

  /** The replay buffer is full: ask the peer, once per fill, to acknowledge. */
  void bufferFull() {
    if (!ackRequested) {
      ackRequested = true;
      ackRequestDue = true;
    }
  }

  /**
   * Client: a data frame arrived and goes to the application: counted, and acknowledged every so
   * many frames or bytes.
   */
  public void receivedData(Frame frame) {
    received++;
    consumedData(ResumeMessages.size(frame));
  }

  /** Server: a data frame arrived and is held for the application: counted, not acknowledged. */
  public void heldData() {
    received++;
  }

  /**
   * Server, when a connection resumes the session: the frames held but not taken by the application
   * are forgotten (the caller drops them). They were never acknowledged, so the client still keeps
   * them and replays them after the WELCOME, which names only what the application took; the
   * read-ahead then starts empty, as on the first connection.
   */
  public void forgetHeld() {
    received = consumed;
  }

  /**
   * Server: the application took a held data frame of {@code size} payload bytes (text as UTF-8, as
   * its transport read it): an acknowledgement falls due every so many frames or bytes.
   */
  public void consumedData(long size) {
    consumed++;
    bytesSinceAck += size;
    if (consumed - acknowledged >= config.ackEveryFrames()
        || bytesSinceAck >= config.ackEveryBytes()) {
      ackDue = true;
    }
  }

  /** A heartbeat goes: it carries an acknowledgement of what arrived since the last one. */
  public void heartbeatTick() {
    if (phase == Phase.READY && consumed != acknowledged) {
      ackDue = true;
    }
  }

  /** Whether a control message waits to be written. */
  public boolean controlDue() {
    return greetingDue != null || ackDue || ackRequestDue;
  }

  /** The peer acknowledged {@code count} frames; false if that is impossible. */
  public boolean acknowledged(long count) {
    boolean ok = out.acknowledge(count);
    if (ok) {
      ackRequested = false;
    }
    return ok;
  }

  /** The peer asks for an acknowledgement: its replay buffer is full. */
  public void ackRequested() {
    if (phase == Phase.READY) {
      ackDue = true;
    }
  }

  /** What WELCOME meant. */
  enum Outcome {
    STARTED,
    RESUMED,
    /**
     * The server did not know the session: a new one started; the replay buffer's frames are lost.
     */
    LOST,
    /** Impossible counts or an id that is not ours: the peer broke the protocol. */
    INVALID
  }

  /**
   * The server's WELCOME. On {@link Outcome#RESUMED} the replay of what it did not receive is under
   * way; on {@link Outcome#LOST} the caller reads {@link #lostFrames()} before anything else.
   */
  Outcome welcome(ResumeMessages.Message m) {
    if (phase != Phase.GREETING) {
      return Outcome.INVALID;
    }
    if (m.status() == ResumeMessages.RESUMED) {
      if (session == null || !Arrays.equals(session, m.session()) || !acknowledged(m.received())) {
        return Outcome.INVALID;
      }
      out.startReplay();
      phase = Phase.READY;
      return Outcome.RESUMED;
    }
    if (m.received() != 0) {
      return Outcome.INVALID;
    }
    boolean lost = session != null;
    lostFrames = lost ? out.size() : 0;
    out.reset();
    received = 0;
    consumed = 0;
    acknowledged = 0;
    bytesSinceAck = 0;
    session = m.session();
    phase = Phase.READY;
    return lost ? Outcome.LOST : Outcome.STARTED;
  }

  private long lostFrames;

  /** After {@link Outcome#LOST}: the frames written in the old session and never acknowledged. */
  long lostFrames() {
    return lostFrames;
  }

  /**
   * The connection runs without resume although a session existed: the server no longer offers it.
   * Returns the frames of the old session never acknowledged, now lost; the session is forgotten.
   */
  long abandonSession() {
    long lost = session == null ? 0 : out.size();
    session = null;
    out.reset();
    received = 0;
    consumed = 0;
    acknowledged = 0;
    bytesSinceAck = 0;
    return lost;
  }

  /**
   * Server: the client's HELLO named this session and said it received {@code clientReceived}
   * frames. Whether that is possible (between what it acknowledged and what was sent).
   */
  public boolean canResume(long clientReceived) {
    return clientReceived >= out.acknowledged() && clientReceived <= out.sent();
  }

  /**
   * Server: a connection joins the session: WELCOME goes first (resumed, with what this side
   * received, or new), then the replay of what the client did not receive, then new frames.
   *
   * @param clientReceived what the client's HELLO said it received; ignored for a new session
   * @return the frames replayed to the client
   */
  public long welcomeClient(byte[] sessionId, boolean resumed, long clientReceived) {
    clearDue();
    session = sessionId;
    long replayed = 0;
    if (resumed) {
      out.acknowledge(clientReceived);
      replayed = out.size();
      out.startReplay();
    }
    greetingDue =
        ResumeMessages.welcome(
            resumed ? ResumeMessages.RESUMED : ResumeMessages.NEW, received, sessionId);
    phase = Phase.READY;
    return replayed;
  }
}
