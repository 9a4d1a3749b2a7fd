package dev.lifeline.internal;

import dev.lifeline.Frame;

/**
 * One direction's sent side of a resume session: every data frame written and not yet acknowledged,
 * numbered from 1 for the life of the session, bounded in frames and bytes.
 *
 * <p><b>Confined</b> to its owner's serial context (the client's {@link Mailbox}, a server
 * session's own): plain fields. A ring that grows by doubling up to the frame bound, so an idle
 * session holds 16 slots; its length is a power of two, so a slot is found with a mask, not a
 * division (a frame bound just above a power of two can thus reach up to twice its slots).
 */
public final class ReplayBuffer {
  private static final int INITIAL_SLOTS = 16;

  private final int maxFrames;
  private final long maxBytes;
  private Frame[] ring = new Frame[INITIAL_SLOTS];

  /** Each kept frame's size, in the same slots: measured once, when it is added. */
  private long[] sizes = new long[INITIAL_SLOTS];

  private int head;
  private int size;
  private long bytes;

  /** Frames written in the session: the number of the newest. */
  private long sent;

  /** The next frame to replay, or 0 when no replay is under way. */
  private long replayNext;

  public ReplayBuffer(int maxFrames, long maxBytes) {
    this.maxFrames = maxFrames;
    this.maxBytes = maxBytes;
  }

  /** Records {@code frame} as written: it is number {@link #sent()} now. */
  public void add(Frame frame) {
    add(frame, ResumeMessages.size(frame));
  }

  /** As {@link #add(Frame)}, with the frame's {@linkplain ResumeMessages#size size} measured. */
  void add(Frame frame, long frameSize) {
    if (size == ring.length) {
      grow();
    }
    int slot = (head + size) & (ring.length - 1);
    ring[slot] = frame;
    sizes[slot] = frameSize;
    size++;
    bytes += frameSize;
    sent++;
  }

  /** Whether no further frame may be written until an acknowledgement frees a place. */
  public boolean full() {
    return size >= maxFrames || (size > 0 && bytes >= maxBytes);
  }

  /** Frames written in the session. */
  public long sent() {
    return sent;
  }

  /** Frames kept: written and not acknowledged. */
  public int size() {
    return size;
  }

  /** Bytes of payload kept. */
  public long bytes() {
    return bytes;
  }

  /** The number of the oldest frame kept minus one: what the peer acknowledged. */
  public long acknowledged() {
    return sent - size;
  }

  /**
   * The peer received {@code received} frames: those are let go.
   *
   * @return false if {@code received} is impossible (more than was sent, or less than the peer
   *     already acknowledged): a protocol violation, nothing changed
   */
  public boolean acknowledge(long received) {
    if (received > sent || received < acknowledged()) {
      return false;
    }
    long drop = received - acknowledged();
    for (long i = 0; i < drop; i++) {
      bytes -= sizes[head];
      ring[head] = null;
      head = (head + 1) & (ring.length - 1);
      size--;
    }
    if (replayNext != 0 && replayNext <= received) {
      replayNext = received + 1 > sent ? 0 : received + 1;
    }
    return true;
  }

  /** Starts replaying every frame kept, oldest first; false if none is kept. */
  public boolean startReplay() {
    replayNext = size == 0 ? 0 : acknowledged() + 1;
    return replayNext != 0;
  }

  /** Whether a replay is under way. */
  public boolean replaying() {
    return replayNext != 0;
  }

  /** The next frame of the replay, after {@link #replaying()}; the replay ends after the newest. */
  public Frame nextReplayed() {
    Frame frame = ring[(int) ((head + (replayNext - acknowledged() - 1)) & (ring.length - 1))];
    replayNext = replayNext == sent ? 0 : replayNext + 1;
    return frame;
  }

  /** Stops a replay: the connection it went to is gone. */
  public void stopReplay() {
    replayNext = 0;
  }

  /** Forgets every frame and starts the count again at 0: the session was lost. */
  public void reset() {
    ring = new Frame[INITIAL_SLOTS];
    sizes = new long[INITIAL_SLOTS];
    head = 0;
    size = 0;
    bytes = 0;
    sent = 0;
    replayNext = 0;
  }

  private void grow() {
    // doubled: at most the power of two at or above the frame bound, since a full ring grows only
    // below it
    Frame[] bigger = new Frame[ring.length * 2];
    long[] biggerSizes = new long[bigger.length];
    int mask = ring.length - 1;
    for (int i = 0; i < size; i++) {
      bigger[i] = ring[(head + i) & mask];
      biggerSizes[i] = sizes[(head + i) & mask];
    }
    ring = bigger;
    sizes = biggerSizes;
    head = 0;
  }
}
