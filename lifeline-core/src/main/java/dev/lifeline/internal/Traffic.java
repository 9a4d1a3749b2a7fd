package dev.lifeline.internal;

import dev.lifeline.Transport;
import org.jspecify.annotations.Nullable;

/**
 * The payload bytes one supervision has moved, over all its connections: the sum of the ended
 * connections' final counts plus the live connection's running count, which its transport keeps
 * ({@link Transport.Connection#bytesReceived()}).
 *
 * <p><b>Immutable</b>, so that a monitoring thread reads the two parts as one: {@link Supervision}
 * replaces its instance from inside its mailbox (when a connection opens, and when it ends) and
 * publishes it with an opaque store. A reader holding the instance from before a connection ended
 * sees the same total as one holding the instance after it: the ended connection's count stopped
 * moving when its frames terminated. Made once per connection, never per frame.
 *
 * @param receivedBefore the ended connections' bytes read; -1 once one of them did not count
 * @param sentBefore the ended connections' bytes written; -1 once one of them did not count
 * @param live the open connection, or null between connections
 */
record Traffic(long receivedBefore, long sentBefore, Transport.@Nullable Connection live) {

  static final Traffic NONE = new Traffic(0, 0, null);

  /** {@code connection} opened: its bytes count from now on. */
  Traffic opened(Transport.Connection connection) {
    return new Traffic(receivedBefore, sentBefore, connection);
  }

  /** The live connection ended: its final counts move into the totals. */
  Traffic ended() {
    return live == null ? this : new Traffic(received(), sent(), null);
  }

  /** Bytes read over every connection so far, or -1 if a transport did not count them. */
  long received() {
    return live == null ? receivedBefore : add(receivedBefore, live.bytesReceived());
  }

  /** Bytes written over every connection so far, or -1 if a transport did not count them. */
  long sent() {
    return live == null ? sentBefore : add(sentBefore, live.bytesSent());
  }

  private static long add(long before, long current) {
    return before < 0 || current < 0 ? -1 : before + current;
  }
}
