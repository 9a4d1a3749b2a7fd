package dev.lifeline;

/**
 * Where a {@link SupervisedConnection} is now: {@link SupervisedConnection#state()}, and each
 * change as it happens in {@link SupervisedConnection#states()}. A health check or a
 * "reconnecting…" indicator reads it instead of folding {@link ConnectionEvent}s.
 *
 * <p>The order of a connection's life: {@link #NEW}, then {@link #CONNECTING} and {@link
 * #CONNECTED} or {@link #WAITING}, again for every reconnect, and at last one of {@link #CLOSED} or
 * {@link #FAILED}, possibly after {@link #CLOSING}. The two terminal states are final.
 *
 * @since 0.2.0
 */
public enum ConnectionState {
  /** {@link SupervisedConnection#inbound()} was not subscribed yet: no socket, no timer (C1). */
  NEW,
  /**
   * An attempt is under way: its handshake has not completed ({@link ConnectionEvent.Connecting}).
   */
  CONNECTING,
  /**
   * The handshake completed and the connection is live ({@link ConnectionEvent.Connected}); frames
   * go out, heartbeats watch it.
   */
  CONNECTED,
  /**
   * The last connection or attempt ended for a retryable reason and the retry policy has not fired
   * the next attempt yet ({@link ConnectionEvent.ReconnectScheduled}): frames sent now wait in the
   * outbound buffer.
   */
  WAITING,
  /**
   * {@link SupervisedConnection#close()} was called (or the retry policy ended) while connected:
   * the closing handshake is under way, and frames the peer sent before its close still arrive.
   */
  CLOSING,
  /**
   * Supervision ended normally: closed by the application, {@code inbound()} cancelled, or the
   * retry policy completed. Final.
   */
  CLOSED,
  /**
   * Supervision ended with an error: the retry policy gave up ({@link
   * ReconnectsExhaustedException}) or a failure retrying cannot fix arrived (C7). Final.
   */
  FAILED;

  /**
   * Whether this state is final: {@link #CLOSED} or {@link #FAILED}.
   *
   * @since 0.2.0
   */
  public boolean isTerminal() {
    return this == CLOSED || this == FAILED;
  }
}
