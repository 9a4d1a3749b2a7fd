package dev.lifeline;

/**
 * Resume: when both ends run Lifeline and agree on the subprotocol {@value #PROTOCOL}, a
 * <em>session</em> spans physical connections and a reconnect loses and duplicates no application
 * frame in either direction. The protocol is specified in {@code docs/resume-protocol.md}.
 *
 * <p>Per direction, text and binary frames are counted from 1 for the life of the session,
 * implicitly: data frames stay untouched on the wire. The receiver acknowledges cumulatively, at
 * most every {@link #ackEveryFrames()} frames or {@link #ackEveryBytes()} bytes, on each heartbeat
 * it sends, and at once when the sender says its replay buffer is full. The sender keeps every
 * frame written and not yet acknowledged in a replay buffer bounded by {@link
 * #replayBufferFrames()} and {@link #replayBufferBytes()}; while it is full, new frames wait in the
 * outbound buffer (where a send still fails with {@link OutboundBufferFullException} when that is
 * full too): nothing is dropped. After a reconnect the client names its session and how many frames
 * it received; the server answers with its own count, or with a new session when it no longer knows
 * the old one ({@link ConnectionEvent.SessionLost} says how many frames may not have arrived).
 *
 * <p>Immutable; the {@code with...} methods return copies.
 *
 * <pre>{@code
 * Supervisor.create(WebSocketTransport.create(uri)).resume(Resume.defaults())
 * }</pre>
 *
 * @since 0.2.0
 */
public final class Resume {

  /** The subprotocol a client offers and a server selects to resume: {@value}. */
  public static final String PROTOCOL = "lifeline.resume.v1";

  /**
   * Whether {@code selected}, the subprotocol a server selected, is resume: {@value #PROTOCOL}
   * alone, or {@value #PROTOCOL} joined by {@code '+'} to the application's own subprotocol ({@code
   * lifeline.resume.v1+chat.v2}), the form offered when the application has subprotocols of its
   * own, since a handshake selects only one.
   *
   * @since 0.2.0
   */
  public static boolean isSelected(String selected) {
    return selected != null && (selected.equals(PROTOCOL) || selected.startsWith(PROTOCOL + "+"));
  }

  /**
   * Default replay buffer bound in frames: {@value}. It bounds what small frames cost beyond their
   * payload (about 60 bytes each for a short text frame: the frame, its string and the buffer's
   * slot; about half a MiB at the bound, beside the 1 MiB payload bound), and it is the window of
   * frames in flight: a sender writes at most this many before an acknowledgement, so with a round
   * trip of {@code t} it streams at most {@value} frames per {@code t}. With 1024 (an earlier
   * choice of this default) a loopback echo of 32-byte frames with resume ran at a median 0.91 of
   * one without, each event loop waking for fewer frames; with 8192 at 0.99 (benchmarks/README.md).
   */
  public static final int DEFAULT_REPLAY_BUFFER_FRAMES = 8192;

  /**
   * Default replay buffer bound in bytes of payload: 1 MiB, ten times what SignalR and RSocket keep
   * (100 kB), since a JVM service streams more than a browser, and a sixteenth of Azure Web
   * PubSub's 16 MB.
   */
  public static final long DEFAULT_REPLAY_BUFFER_BYTES = 1L << 20;

  /** Default acknowledgement period in frames: {@value}. */
  public static final int DEFAULT_ACK_EVERY_FRAMES = 32;

  /** Default acknowledgement period in bytes: 32 KiB. */
  public static final long DEFAULT_ACK_EVERY_BYTES = 32L << 10;

  private static final Resume DEFAULTS =
      new Resume(
          DEFAULT_REPLAY_BUFFER_FRAMES,
          DEFAULT_REPLAY_BUFFER_BYTES,
          DEFAULT_ACK_EVERY_FRAMES,
          DEFAULT_ACK_EVERY_BYTES);

  private final int replayBufferFrames;
  private final long replayBufferBytes;
  private final int ackEveryFrames;
  private final long ackEveryBytes;

  private Resume(
      int replayBufferFrames, long replayBufferBytes, int ackEveryFrames, long ackEveryBytes) {
    this.replayBufferFrames = replayBufferFrames;
    this.replayBufferBytes = replayBufferBytes;
    this.ackEveryFrames = ackEveryFrames;
    this.ackEveryBytes = ackEveryBytes;
  }

  /**
   * Resume with the defaults: a replay buffer of 8192 frames and 1 MiB, an acknowledgement every 32
   * frames or 32 KiB.
   *
   * @since 0.2.0
   */
  public static Resume defaults() {
    return DEFAULTS;
  }

  /**
   * A copy whose replay buffer keeps at most {@code frames} frames written and not acknowledged.
   *
   * @throws IllegalArgumentException if {@code frames} is below 1
   * @since 0.2.0
   */
  public Resume withReplayBufferFrames(int frames) {
    if (frames < 1) {
      throw new IllegalArgumentException("replay buffer must hold at least 1 frame, was " + frames);
    }
    return new Resume(frames, replayBufferBytes, ackEveryFrames, ackEveryBytes);
  }

  /**
   * A copy whose replay buffer keeps at most {@code bytes} bytes of payload (text as UTF-8) written
   * and not acknowledged; a single frame larger than that still goes, alone in the buffer.
   *
   * @throws IllegalArgumentException if {@code bytes} is below 1
   * @since 0.2.0
   */
  public Resume withReplayBufferBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("replay buffer must hold at least 1 byte, was " + bytes);
    }
    return new Resume(replayBufferFrames, bytes, ackEveryFrames, ackEveryBytes);
  }

  /**
   * A copy that acknowledges the peer's frames once {@code frames} frames or {@code bytes} bytes
   * arrived since the last acknowledgement.
   *
   * @throws IllegalArgumentException if either is below 1
   * @since 0.2.0
   */
  public Resume withAckEvery(int frames, long bytes) {
    if (frames < 1 || bytes < 1) {
      throw new IllegalArgumentException(
          "acknowledge at least every 1 frame and 1 byte, was "
              + frames
              + " frames, "
              + bytes
              + " bytes");
    }
    return new Resume(replayBufferFrames, replayBufferBytes, frames, bytes);
  }

  /** The replay buffer bound in frames. @since 0.2.0 */
  public int replayBufferFrames() {
    return replayBufferFrames;
  }

  /** The replay buffer bound in bytes. @since 0.2.0 */
  public long replayBufferBytes() {
    return replayBufferBytes;
  }

  /** The acknowledgement period in frames. @since 0.2.0 */
  public int ackEveryFrames() {
    return ackEveryFrames;
  }

  /** The acknowledgement period in bytes. @since 0.2.0 */
  public long ackEveryBytes() {
    return ackEveryBytes;
  }

  @Override
  public String toString() {
    return "Resume[replayBuffer="
        + replayBufferFrames
        + " frames/"
        + replayBufferBytes
        + " bytes, ackEvery="
        + ackEveryFrames
        + " frames/"
        + ackEveryBytes
        + " bytes]";
  }
}
