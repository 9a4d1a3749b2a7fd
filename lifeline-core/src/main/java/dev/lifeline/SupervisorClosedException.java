package dev.lifeline;

/**
 * Supervision ended normally (the application closed the connection or cancelled its inbound
 * stream) while frames were still waiting to be sent; those frames' sends fail with this (C9).
 *
 * @since 0.1.0
 */
public final class SupervisorClosedException extends LifelineException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what ended supervision
   * @since 0.1.0
   */
  public SupervisorClosedException(String message) {
    super(message);
  }
}
