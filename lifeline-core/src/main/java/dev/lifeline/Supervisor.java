package dev.lifeline;

import dev.lifeline.internal.Settings;
import dev.lifeline.internal.SuspendDetector;
import java.net.URISyntaxException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * How to supervise connections made by one {@link Transport}: the heartbeat, the reconnect policy,
 * which failures are worth a reconnect, the scheduler for every timer, and the outbound buffer's
 * size.
 *
 * <p>A supervisor is immutable and thread-safe: every setter returns a copy, so one supervisor can
 * be shared and specialised freely. {@link #connection()} makes a new {@link SupervisedConnection}
 * from it; nothing touches the network until that connection's {@link
 * SupervisedConnection#inbound()} is subscribed (C1).
 *
 * <pre>{@code
 * SupervisedConnection ws = Supervisor.create(transport)
 *     .heartbeat(Heartbeat.text("heart_beat", "ok").interval(Duration.ofSeconds(30)))
 *     .connection();
 * ws.events().subscribe(event -> log.info("{}", event));
 * ws.inbound().subscribe(frame -> handle(frame));
 * ws.send(Frame.text("hello")).subscribe();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class Supervisor {

  /**
   * The default outbound buffer capacity: 1024 frames wait for a connection at most.
   *
   * @since 0.1.0
   */
  public static final int DEFAULT_OUTBOUND_BUFFER_CAPACITY = 1024;

  /**
   * The seed's reconnect policy: 5 attempts per outage, 5 seconds apart.
   *
   * @since 0.1.0
   */
  public static final Retry DEFAULT_RETRY = Retry.fixedDelay(5, Duration.ofSeconds(5));

  private static final Set<Integer> FATAL_CLOSE_CODES = Set.of(1002, 1003, 1007, 1008, 1009, 1010);

  /**
   * The default test for whether a failure is worth a reconnect (C4, C7). Not retryable, so
   * supervision ends at once: a {@link HandshakeException} with a 4xx status other than 408 or 429
   * (and any other status below 500 but 101); a {@link ConnectionClosedException} or a {@link
   * ProtocolViolationException} with code 1002, 1003, 1007, 1008, 1009 or 1010; an invalid URI
   * ({@link URISyntaxException} or {@link IllegalArgumentException}); a rejected TLS certificate
   * ({@link CertificateException}, {@link CertPathValidatorException}, {@link
   * CertPathBuilderException} or {@link SSLPeerUnverifiedException} anywhere in the cause chain).
   * Every other failure is retryable: peer dead, I/O errors, refused connections, timeouts
   * (including {@link HandshakeTimeoutException}), 5xx, 408, 429, and all other close codes.
   *
   * @since 0.1.0
   */
  public static final Predicate<Throwable> DEFAULT_RETRYABLE = Supervisor::retryableByDefault;

  private final Settings settings;

  private Supervisor(Settings settings) {
    this.settings = settings;
  }

  /**
   * A supervisor for {@code transport} with the seed's defaults: RFC ping heartbeat every 60 s of
   * silence, dead after 5 s without an answer, 5 reconnects 5 s apart per outage, timers on the
   * transport's {@linkplain Transport#timerScheduler() timer scheduler}, 1024 frames of outbound
   * buffer.
   *
   * @since 0.1.0
   */
  public static Supervisor create(Transport transport) {
    return new Supervisor(
        new Settings(
            Objects.requireNonNull(transport, "transport"),
            defaultName(transport),
            Heartbeat.ping(),
            DEFAULT_RETRY,
            DEFAULT_RETRYABLE,
            transport.timerScheduler(),
            DEFAULT_OUTBOUND_BUFFER_CAPACITY,
            null,
            SuspendDetector.shared()));
  }

  /** The longest connection name: {@value} characters. */
  public static final int MAX_NAME_LENGTH = 100;

  /**
   * A copy whose connections are called {@code name} ({@code "orders"}, {@code "prices-eu"}): it is
   * in every {@link ConnectionEvent} ({@link ConnectionEvent#name()}), so in every event line
   * Lifeline logs, and tells a service's connections apart. Defaults to the {@linkplain
   * Transport#name() transport's name} ({@code example.com/feed} for a {@code WebSocketTransport}:
   * host, port and path, never credentials or a query). Connections of one supervisor share it.
   *
   * @throws IllegalArgumentException if {@code name} is blank, longer than {@value
   *     #MAX_NAME_LENGTH} characters, or contains a control character
   * @since 0.2.0
   */
  public Supervisor name(String name) {
    Objects.requireNonNull(name, "name");
    String problem = nameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException("connection name " + problem);
    }
    return new Supervisor(settings.withName(name));
  }

  /** What is wrong with {@code name}, or null: blank, too long, or with a control character. */
  private static @Nullable String nameProblem(String name) {
    if (name.isBlank()) {
      return "must not be blank, was \"" + name + "\"";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return "must be at most " + MAX_NAME_LENGTH + " characters, was " + name.length();
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      return "must not contain control characters, was " + name.replaceAll("\\p{Cntrl}", "?");
    }
    return null;
  }

  /** The transport's name, made safe: an unusable one becomes its class's name. */
  private static String defaultName(Transport transport) {
    String name = transport.name();
    return name == null || nameProblem(name) != null ? transport.getClass().getSimpleName() : name;
  }

  /**
   * A copy with {@code heartbeat}. Defaults to {@link Heartbeat#ping()}: RFC 6455 ping/pong,
   * interval 60 s, timeout 5 s.
   *
   * @since 0.1.0
   */
  public Supervisor heartbeat(Heartbeat heartbeat) {
    Settings s = settings;
    if (s.resume() != null && heartbeat != null && !heartbeat.isRfcPing()) {
      throw new IllegalArgumentException(
          "resume counts every text and binary frame as data, so it cannot run with the heartbeat "
              + heartbeat
              + ": use Heartbeat.ping() (the default) with resume");
    }
    return new Supervisor(
        new Settings(
            s.transport(),
            s.name(),
            Objects.requireNonNull(heartbeat, "heartbeat"),
            s.retry(),
            s.retryable(),
            s.scheduler(),
            s.outboundBufferCapacity(),
            s.resume(),
            s.suspendDetector()));
  }

  /**
   * A copy with the reconnect policy {@code retry}, applied per outage: its attempt count starts
   * again once a connection proves alive by delivering a frame (C5), and failures that {@link
   * #retryable(Predicate)} rejects never reach it (C7). When it gives up, the inbound stream ends
   * with {@link ReconnectsExhaustedException}. A {@link reactor.util.retry.RetryBackoffSpec} (what
   * {@code Retry.fixedDelay} and {@code Retry.backoff} return) runs its delays on this supervisor's
   * {@linkplain #scheduler(Scheduler) scheduler}. Defaults to {@link #DEFAULT_RETRY}, {@code
   * Retry.fixedDelay(5, Duration.ofSeconds(5))}.
   *
   * <p>Each outage gets its own companion ({@link Retry#generateCompanion}): generated at the
   * outage's first failure, and cancelled once a connection proves alive or supervision ends. A
   * healthy connection holds no retry state at all. The companion's signals count the outage's
   * failures from 0 in both {@code totalRetries()} and {@code totalRetriesInARow()}.
   *
   * @since 0.1.0
   */
  public Supervisor retry(Retry retry) {
    Settings s = settings;
    return new Supervisor(
        new Settings(
            s.transport(),
            s.name(),
            s.heartbeat(),
            Objects.requireNonNull(retry, "retry"),
            s.retryable(),
            s.scheduler(),
            s.outboundBufferCapacity(),
            s.resume(),
            s.suspendDetector()));
  }

  /**
   * A copy that asks {@code retryable} whether a failure is worth a reconnect; a failure it rejects
   * ends supervision at once with that failure. Defaults to {@link #DEFAULT_RETRYABLE}; to extend
   * it, compose: {@code Supervisor.DEFAULT_RETRYABLE.and(e -> …)}.
   *
   * @since 0.1.0
   */
  public Supervisor retryable(Predicate<Throwable> retryable) {
    Settings s = settings;
    return new Supervisor(
        new Settings(
            s.transport(),
            s.name(),
            s.heartbeat(),
            s.retry(),
            Objects.requireNonNull(retryable, "retryable"),
            s.scheduler(),
            s.outboundBufferCapacity(),
            s.resume(),
            s.suspendDetector()));
  }

  /**
   * A copy that runs every timer (heartbeat, liveness, reconnect delay) and reads every time stamp
   * on {@code scheduler}; pass a {@code VirtualTimeScheduler} to test on virtual time. Defaults to
   * the transport's {@link Transport#timerScheduler()}: Reactor Netty's client event loops for
   * {@code WebSocketTransport} (measured at 19 500 connections: heartbeat round trip p99 about 10
   * ms there against about 250 ms on {@link Schedulers#parallel()}, where timers drift into
   * bursts), {@link Schedulers#parallel()} otherwise. The supervisor never disposes it.
   *
   * @since 0.1.0
   */
  public Supervisor scheduler(Scheduler scheduler) {
    Settings s = settings;
    return new Supervisor(
        new Settings(
            s.transport(),
            s.name(),
            s.heartbeat(),
            s.retry(),
            s.retryable(),
            Objects.requireNonNull(scheduler, "scheduler"),
            s.outboundBufferCapacity(),
            s.resume(),
            s.suspendDetector()));
  }

  /**
   * A copy whose outbound buffer holds at most {@code capacity} frames waiting for a connection; a
   * send beyond that fails with {@link OutboundBufferFullException} (C9). Defaults to {@value
   * #DEFAULT_OUTBOUND_BUFFER_CAPACITY}.
   *
   * @throws IllegalArgumentException if {@code capacity} is below 1
   * @since 0.1.0
   */
  public Supervisor outboundBufferCapacity(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException(
          "outbound buffer capacity must be at least 1 frame, was " + capacity);
    }
    Settings s = settings;
    return new Supervisor(
        new Settings(
            s.transport(),
            s.name(),
            s.heartbeat(),
            s.retry(),
            s.retryable(),
            s.scheduler(),
            capacity,
            s.resume(),
            s.suspendDetector()));
  }

  /**
   * A copy that resumes sessions with {@code resume}: it offers the subprotocol {@value
   * Resume#PROTOCOL} (joined to each of the transport's own, {@code lifeline.resume.v1+chat.v2},
   * when it has some), and when the server selects it (a {@code ServerSupervisor} with resume
   * does), a reconnect loses and duplicates no frame in either direction; see {@link Resume}.
   * Against a server that does not select it nothing changes. {@code null} turns resume off (the
   * default).
   *
   * <p>Resume counts every text and binary frame as data, so it needs a heartbeat of RFC 6455
   * control frames ({@link Heartbeat#ping()}, the default).
   *
   * @throws IllegalArgumentException if the heartbeat is a text or custom dialect
   * @since 0.2.0
   */
  public Supervisor resume(@Nullable Resume resume) {
    Settings s = settings;
    if (resume != null && !s.heartbeat().isRfcPing()) {
      throw new IllegalArgumentException(
          "resume counts every text and binary frame as data, so it cannot run with the heartbeat "
              + s.heartbeat()
              + ": use Heartbeat.ping() (the default) with resume");
    }
    return new Supervisor(
        new Settings(
            s.transport(),
            s.name(),
            s.heartbeat(),
            s.retry(),
            s.retryable(),
            s.scheduler(),
            s.outboundBufferCapacity(),
            resume,
            s.suspendDetector()));
  }

  /** A copy whose connections learn of suspensions from {@code detector}: for tests. */
  Supervisor suspendDetector(SuspendDetector detector) {
    return new Supervisor(settings.withSuspendDetector(Objects.requireNonNull(detector)));
  }

  /** Resume, or null when it is off. @since 0.2.0 */
  public Resume resume() {
    return settings.resume();
  }

  /** The heartbeat. @since 0.1.0 */
  public Heartbeat heartbeat() {
    return settings.heartbeat();
  }

  /** The reconnect policy. @since 0.1.0 */
  public Retry retry() {
    return settings.retry();
  }

  /** The scheduler for every timer. @since 0.1.0 */
  public Scheduler scheduler() {
    return settings.scheduler();
  }

  /** The outbound buffer capacity, in frames. @since 0.1.0 */
  public int outboundBufferCapacity() {
    return settings.outboundBufferCapacity();
  }

  /**
   * A new supervised connection with this configuration. Nothing happens until its {@link
   * SupervisedConnection#inbound()} is subscribed.
   *
   * @since 0.1.0
   */
  public SupervisedConnection connection() {
    return new SupervisedConnection(settings);
  }

  private static boolean retryableByDefault(Throwable failure) {
    if (failure instanceof HandshakeException handshake) {
      int status = handshake.status();
      return status >= 500 || status == 408 || status == 429;
    }
    if (failure instanceof ConnectionClosedException closed) {
      return !FATAL_CLOSE_CODES.contains(closed.code());
    }
    if (failure instanceof ProtocolViolationException violation) {
      return !FATAL_CLOSE_CODES.contains(violation.code());
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof URISyntaxException
          || t instanceof IllegalArgumentException
          || t instanceof CertificateException
          || t instanceof CertPathValidatorException
          || t instanceof CertPathBuilderException
          || t instanceof SSLPeerUnverifiedException) {
        return false;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return true;
  }
}
