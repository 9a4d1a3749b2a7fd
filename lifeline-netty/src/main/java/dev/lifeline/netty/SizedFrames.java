package dev.lifeline.netty;

import dev.lifeline.Frame;

/**
 * A first-in first-out queue of frames, each with its payload size as read from the wire, so that
 * whoever takes a frame can count its bytes without measuring it again.
 *
 * <p><b>Confined</b> to its one owner (the event loop or a session's mailbox): plain fields, no
 * synchronisation. It holds no slots until its first frame (an idle session keeps two of these),
 * then 16, and grows by doubling; the slots it leaves are cleared.
 */
final class SizedFrames {
  private static final Frame[] NO_FRAMES = {};
  private static final int[] NO_SIZES = {};

  private Frame[] frames = NO_FRAMES;
  private int[] sizes = NO_SIZES;
  private int head;
  private int count;

  void add(Frame frame, int size) {
    if (count == frames.length) {
      grow();
    }
    int i = (head + count) & (frames.length - 1);
    frames[i] = frame;
    sizes[i] = size;
    count++;
  }

  boolean isEmpty() {
    return count == 0;
  }

  int size() {
    return count;
  }

  /** The first frame's size; the queue must not be empty. */
  int peekSize() {
    return sizes[head];
  }

  /**
   * Takes the first frame (its size is {@link #peekSize()} before); the queue must not be empty.
   */
  Frame poll() {
    Frame first = frames[head];
    frames[head] = null;
    head = (head + 1) & (frames.length - 1);
    count--;
    return first;
  }

  void clear() {
    while (count > 0) {
      poll();
    }
    head = 0;
  }

  private void grow() {
    int n = frames.length;
    int length = n == 0 ? 16 : n * 2;
    Frame[] f = new Frame[length];
    int[] s = new int[length];
    for (int k = 0; k < count; k++) {
      f[k] = frames[(head + k) & (n - 1)];
      s[k] = sizes[(head + k) & (n - 1)];
    }
    frames = f;
    sizes = s;
    head = 0;
  }
}
