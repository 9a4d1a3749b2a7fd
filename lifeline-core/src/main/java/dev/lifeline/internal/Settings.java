package dev.lifeline.internal;

import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.Transport;
import java.util.function.Predicate;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * A supervisor's configuration, as every connection it makes sees it: immutable, shared.
 *
 * @param transport opens each physical connection
 * @param name the connection's name, in its events and log lines
 * @param heartbeat what proves the peer alive, and when (C2, C3)
 * @param retry the reconnect policy, per outage (C4 to C6)
 * @param retryable which failures are worth a reconnect (C7)
 * @param scheduler every timer and time stamp
 * @param outboundBufferCapacity how many frames may wait for a connection (C9)
 * @param resume the resume settings, or null when resume is off
 * @param suspendDetector tells every live connection when the process or machine was suspended
 */
public record Settings(
    Transport transport,
    String name,
    Heartbeat heartbeat,
    Retry retry,
    Predicate<Throwable> retryable,
    Scheduler scheduler,
    int outboundBufferCapacity,
    Resume resume,
    SuspendDetector suspendDetector) {

  /** A copy with {@code name}. */
  public Settings withName(String name) {
    return new Settings(
        transport,
        name,
        heartbeat,
        retry,
        retryable,
        scheduler,
        outboundBufferCapacity,
        resume,
        suspendDetector);
  }

  /** A copy with {@code detector}. */
  public Settings withSuspendDetector(SuspendDetector detector) {
    return new Settings(
        transport,
        name,
        heartbeat,
        retry,
        retryable,
        scheduler,
        outboundBufferCapacity,
        resume,
        detector);
  }
}
