package dev.lifeline.netty;

import dev.lifeline.LifelineException;

/**
 * A resume session ended without its client: it stayed detached longer than the {@linkplain
 * ServerSupervisor.Builder#sessionTimeout session timeout}, or was evicted because more sessions
 * were detached than {@linkplain ServerSupervisor.Builder#maxDetachedSessions allowed}. The
 * session's {@code inbound()} ends with it, and its sends still waiting fail with it; {@link
 * #unconfirmedFrames()} frames written to the client were never acknowledged and may not have
 * arrived. A client that comes back later is told the session is unknown and starts a new one.
 *
 * @since 0.2.0
 */
public final class ResumeSessionExpiredException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final transient String session;
  private final long unconfirmedFrames;

  /**
   * @param session the session's {@linkplain ServerConnection#id() id}
   * @param unconfirmedFrames frames written to the client and never acknowledged
   * @param why why it ended
   * @since 0.2.0
   */
  public ResumeSessionExpiredException(String session, long unconfirmedFrames, String why) {
    super(
        "resume session "
            + session
            + " expired: "
            + why
            + "; "
            + unconfirmedFrames
            + " frames written to the client were never acknowledged and may not have arrived");
    this.session = session;
    this.unconfirmedFrames = unconfirmedFrames;
  }

  /** The session's id. @since 0.2.0 */
  public String session() {
    return session;
  }

  /** Frames written to the client and never acknowledged. @since 0.2.0 */
  public long unconfirmedFrames() {
    return unconfirmedFrames;
  }
}
