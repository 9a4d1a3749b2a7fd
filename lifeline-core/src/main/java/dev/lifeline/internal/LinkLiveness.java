package dev.lifeline.internal;

import dev.lifeline.Frame;
import dev.lifeline.PeerDeadException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@link Watchdog}'s view of one {@link Link}'s connection (C2, C3, C9), and the transport's
 * listener for every read.
 *
 * <p><b>Confined</b> to the connection's {@link Mailbox}, as its link is: the watchdog calls it
 * from there, and the transport's read listener ({@link #run()}) hops in.
 */
final class LinkLiveness implements Watchdog.Owner, Runnable {
  private final Link link;
  private final Supervision supervision;
  private final LinkWriter writer;

  /** Why the watchdog killed the connection; null while the peer is alive. */
  private PeerDeadException death;

  LinkLiveness(Link link, Supervision supervision, LinkWriter writer) {
    this.link = link;
    this.supervision = supervision;
    this.writer = writer;
  }

  /** The peer was found dead: the cause the connection ended with; null otherwise. */
  PeerDeadException death() {
    return death;
  }

  /** Bytes arrived (the transport's read listener, from its thread). */
  @Override
  public void run() {
    link.bytesReceived();
  }

  @Override
  public void sendHeartbeat(long sequence, Frame ping) {
    writer.heartbeatSent();
    if (supervision.resumption != null) {
      supervision.resumption.heartbeatTick();
    }
    supervision.events.heartbeatSent(sequence);
    supervision.outbox.sendHeartbeat(ping);
  }

  @Override
  public void heartbeatAnswered(long sequence, Duration roundTrip) {
    writer.heartbeatAnswered();
    supervision.events.heartbeatAnswered(sequence, roundTrip);
  }

  @Override
  public boolean reading() {
    return supervision.delivery.demand() != 0;
  }

  @Override
  public void dead(long sequence, long answered, int unanswered, Duration silence) {
    death =
        new PeerDeadException(
            supervision.settings.heartbeat().timeout(), sequence, answered, unanswered);
    // Detach first: a frame sent in reaction to the event must wait for the next connection, not
    // go into this dead one.
    writer.detach();
    supervision.events.peerDead(sequence, unanswered, silence);
    link.dispose();
  }

  @Override
  public void unwatchable(RejectedExecutionException refused) {
    link.breakOff(
        new IllegalStateException(
            "the timer scheduler "
                + supervision.settings.scheduler()
                + " refused the heartbeat timer ("
                + refused.getMessage()
                + "): a connection no heartbeat watches could die unnoticed, so it was closed."
                + " Give Supervisor.scheduler(..) a scheduler that is not disposed while"
                + " connections run",
            refused),
        null);
  }
}
