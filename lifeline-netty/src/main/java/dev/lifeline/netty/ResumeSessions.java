package dev.lifeline.netty;

import dev.lifeline.Resume;
import dev.lifeline.internal.ResumeMessages;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.reactivestreams.Publisher;

/**
 * A {@link ServerSupervisor}'s resume sessions: every live one by id, and the detached ones in
 * {@link DetachedSessions} (in this JVM for now), bounded in time ({@link #timeout()}) and number
 * (the oldest is evicted).
 *
 * <p><b>One guard with plain fields</b> (OkHttp's way): {@code this}, held only for the map of
 * sessions, never while calling out; the detached sessions have their own guard, and exactly one of
 * a HELLO's claim and an expiry's removal wins there. Each session's own state stays confined to
 * its mailbox; this class only decides which session a HELLO joins, and whether a detached session
 * may still be joined or has expired, so that a HELLO and an expiry never both win.
 */
final class ResumeSessions {

  private final ServerSupervisor supervisor;
  private final Resume resume;
  private final Duration timeout;
  private final int maxDetached;
  private final AtomicLong numbers = new AtomicLong();

  /**
   * Session ids: 128 random bits from a DRBG, seeded here, on the thread that builds the
   * supervisor; after that it computes without reading {@code /dev/urandom}, so an event loop never
   * blocks on it (BlockHound caught the default {@code NativePRNG} reading a file).
   */
  private final SecureRandom random = newRandom();

  // guarded by this
  private final Map<String, ResumedSession> sessions = new HashMap<>();

  /** The detached ones, waiting for their client; its own guard. */
  private final DetachedSessions detached;

  private final ReadAhead readAhead;

  /**
   * How far a connection of a session reads ahead of its application, in frames and in payload
   * bytes, and in what batches the places taken are given back to its event loop.
   *
   * <p>A client that keeps to its replay bound ({@code replayBufferFrames}, and in bytes less than
   * {@code replayBufferBytes} and one more frame) never has more unacknowledged, and the server
   * acknowledges only what its application took; so with a client whose bounds are at most the
   * server's, the read-ahead is never used up, even counting the places given back late (less than
   * a batch), and its acknowledgements behind its data are always read (docs/resume-protocol.md,
   * section 5, "Read-ahead"). A client that ignores its bound is stopped there (TCP backpressure).
   *
   * @param frames frames read and not yet taken at which reading pauses: the replay bound and a
   *     quarter more
   * @param bytes payload bytes read and not yet taken beyond which reading pauses: the replay
   *     bound, a quarter more and one message of the largest length allowed
   * @param frameBatch places given back at once, in frames (a quarter of the replay bound)
   * @param byteBatch places given back at once, in bytes (a quarter of the replay bound)
   */
  record ReadAhead(long frames, long bytes, long frameBatch, long byteBatch) {
    static ReadAhead of(Resume resume, int maxMessageLength) {
      long frameBatch = Math.max(1, resume.replayBufferFrames() / 4);
      long byteBatch = Math.max(1, resume.replayBufferBytes() / 4);
      long bytes = resume.replayBufferBytes();
      long slack = byteBatch + maxMessageLength;
      // saturating: withReplayBufferBytes(Long.MAX_VALUE) means no byte bound, not a negative one
      return new ReadAhead(
          resume.replayBufferFrames() + frameBatch,
          bytes > Long.MAX_VALUE - slack ? Long.MAX_VALUE : bytes + slack,
          frameBatch,
          byteBatch);
    }
  }

  ResumeSessions(ServerSupervisor supervisor, Resume resume, Duration timeout, int maxDetached) {
    this.supervisor = supervisor;
    this.resume = resume;
    this.timeout = timeout;
    this.maxDetached = maxDetached;
    this.detached = new DetachedSessions.InMemory(maxDetached);
    this.readAhead = ReadAhead.of(resume, supervisor.maxMessageLength());
  }

  ReadAhead readAhead() {
    return readAhead;
  }

  private static SecureRandom newRandom() {
    SecureRandom random;
    try {
      random = SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      random = new SecureRandom();
    }
    random.nextBytes(new byte[ResumeMessages.SESSION_ID_LENGTH]); // seeds it now
    return random;
  }

  static String key(byte[] sessionId) {
    return sessionId == null ? "" : ResumeMessages.hex(sessionId);
  }

  Duration timeout() {
    return timeout;
  }

  /** Sessions now, attached or detached. */
  synchronized int size() {
    return sessions.size();
  }

  /** On the connection's event loop: its HELLO arrived. */
  void hello(
      SessionAttachment a,
      ResumeMessages.Message hello,
      Function<ServerConnection, Publisher<Void>> application) {
    ResumedSession known = null;
    if (hello.session() != null) {
      String key = key(hello.session());
      synchronized (this) {
        known = sessions.get(key);
      }
      if (known != null) {
        detached.claim(key); // claimed: it can no longer expire
      }
    }
    if (known != null) {
      ResumedSession session = known;
      session.mailbox.execute(
          () -> {
            if (session.canResume(hello.received())) {
              a.bind(session);
              session.attach(a, hello.received(), true);
            } else {
              session.forceExpire(
                  "the client's HELLO said it received "
                      + hello.received()
                      + " frames, which this session cannot continue from");
              fresh(a, application);
            }
          });
      return;
    }
    fresh(a, application);
  }

  /** A new session for {@code a}: the client named none, or one this server does not know. */
  private void fresh(SessionAttachment a, Function<ServerConnection, Publisher<Void>> application) {
    byte[] id = new byte[ResumeMessages.SESSION_ID_LENGTH];
    random.nextBytes(id);
    ResumedSession session =
        new ResumedSession(
            supervisor,
            this,
            "s" + numbers.incrementAndGet(),
            id,
            resume,
            a.physical.remoteAddress());
    synchronized (this) {
      sessions.put(session.key(), session);
    }
    a.bind(session);
    session.mailbox.execute(() -> session.attach(a, 0, false));
    session.start(application);
  }

  /** {@code session} lost its connection; the oldest detached ones go if too many are. */
  void detached(ResumedSession session) {
    synchronized (this) {
      if (!sessions.containsKey(session.key())) {
        return;
      }
    }
    for (ResumedSession gone : detached.park(session.key(), session)) {
      gone.mailbox.execute(
          () ->
              gone.evicted(
                  "evicted: more than " + maxDetached + " sessions were waiting for their client"));
    }
  }

  /**
   * Inside {@code session}'s mailbox: a connection took it; if it was parked (a HELLO that came
   * before its old connection's end was noticed, then parked it), it no longer is.
   */
  void attached(ResumedSession session) {
    detached.remove(session.key(), session);
  }

  /** Whether {@code session} was still detached, and is now removed: it may expire. */
  boolean removeIfDetached(ResumedSession session) {
    if (!detached.remove(session.key(), session)) {
      return false;
    }
    synchronized (this) {
      sessions.remove(session.key());
    }
    return true;
  }

  void remove(ResumedSession session) {
    synchronized (this) {
      sessions.remove(session.key());
    }
    detached.remove(session.key(), session);
  }
}
