package dev.lifeline;

/**
 * A frame could not be sent because the outbound buffer already holds its capacity of frames
 * waiting for a connection (C9). The frame was not queued; nothing else was dropped.
 *
 * @since 0.1.0
 */
public final class OutboundBufferFullException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int capacity;

  /**
   * @param capacity the buffer's capacity, in frames
   * @since 0.1.0
   */
  public OutboundBufferFullException(int capacity) {
    super(
        "outbound buffer full: "
            + capacity
            + " of "
            + capacity
            + " frames already wait for a connection; retry after the reconnect, slow down, or"
            + " raise Supervisor.outboundBufferCapacity");
    this.capacity = capacity;
  }

  /**
   * The buffer's capacity, in frames.
   *
   * @since 0.1.0
   */
  public int capacity() {
    return capacity;
  }
}
