package dev.lifeline.netty;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The resume sessions that lost their connection and wait for their client, each for a bounded
 * time, at most a bounded number at once: what {@link ResumeSessions} parks, claims and expires.
 *
 * <p>Behind this interface so that the next step can keep them in a shared store (Redis), where a
 * client may resume on whichever server node it reaches; {@link InMemory} is the default and, for
 * now, the only implementation. Implementations are thread-safe: a HELLO on one event loop and an
 * expiry on a timer thread may race for the same session, and exactly one of {@link #claim} and
 * {@link #remove} must win.
 */
interface DetachedSessions {

  /**
   * Parks {@code session} under {@code key}.
   *
   * @return the sessions evicted to stay within the bound, oldest first (they expire)
   */
  List<ResumedSession> park(String key, ResumedSession session);

  /** Takes the session parked under {@code key} for a client's HELLO: it can no longer expire. */
  ResumedSession claim(String key);

  /** Removes {@code session} if it is still parked: whether it was, and so may expire now. */
  boolean remove(String key, ResumedSession session);

  /** In this JVM: insertion order, so the oldest is evicted first. One guard, plain fields. */
  final class InMemory implements DetachedSessions {
    private final int max;

    // guarded by this
    private final LinkedHashMap<String, ResumedSession> parked = new LinkedHashMap<>();

    InMemory(int max) {
      this.max = max;
    }

    @Override
    public synchronized List<ResumedSession> park(String key, ResumedSession session) {
      parked.put(key, session);
      if (parked.size() <= max) {
        return List.of();
      }
      List<ResumedSession> evicted = new ArrayList<>(parked.size() - max);
      Iterator<ResumedSession> oldest = parked.values().iterator();
      while (parked.size() > max) {
        evicted.add(oldest.next());
        oldest.remove();
      }
      return evicted;
    }

    @Override
    public synchronized ResumedSession claim(String key) {
      return parked.remove(key);
    }

    @Override
    public synchronized boolean remove(String key, ResumedSession session) {
      return parked.remove(key, session);
    }
  }
}
