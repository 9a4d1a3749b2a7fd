package dev.lifeline.spring.boot;

import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * Turns {@link LifelineProperties} into Lifeline's own immutable settings, collecting every problem
 * (Lifeline's own validation message, prefixed with the property) instead of stopping at the first.
 * Not thread-safe: one per use.
 */
final class PropertiesMapper {
  private final List<String> problems = new ArrayList<>();

  /** Notes a problem found elsewhere: {@code "<property>: <what is wrong>"}. */
  void problem(String problem) {
    problems.add(problem);
  }

  /** Throws {@link LifelinePropertiesException} listing every problem found so far, if any. */
  void throwIfProblems() {
    if (!problems.isEmpty()) {
      throw new LifelinePropertiesException(problems);
    }
  }

  /** The supervisor of client {@code name}, or null after noting its problems. */
  @Nullable Supervisor supervisor(
      String name, LifelineProperties.Client client, UnaryOperator<WebSocketTransport> customizer) {
    String prefix = "lifeline.clients." + name;
    int before = problems.size();
    WebSocketTransport configured = transport(prefix, client);
    WebSocketTransport transport = configured == null ? null : customizer.apply(configured);
    Heartbeat heartbeat = heartbeat(prefix + ".heartbeat", client.getHeartbeat());
    Retry retry = retry(prefix + ".retry", client.getRetry());
    Resume resume =
        client.getResume().isEnabled() ? resume(prefix + ".resume", client.getResume()) : null;
    if (resume != null) {
      resumeNeedsPings(prefix + ".heartbeat.dialect", client.getHeartbeat());
    }
    if (problems.size() > before || transport == null || heartbeat == null || retry == null) {
      return null;
    }
    Supervisor supervisor =
        attempt(prefix, () -> Supervisor.create(transport).name(name).heartbeat(heartbeat));
    if (supervisor == null) {
      return null;
    }
    Supervisor named = supervisor.retry(retry);
    Supervisor sized =
        attempt(
            prefix + ".outbound-buffer-capacity",
            () -> named.outboundBufferCapacity(client.getOutboundBufferCapacity()));
    if (sized == null || resume == null) {
      return sized;
    }
    return attempt(prefix + ".resume.enabled", () -> sized.resume(resume));
  }

  private @Nullable WebSocketTransport transport(String prefix, LifelineProperties.Client client) {
    String url = client.getUrl();
    if (url == null || url.isBlank()) {
      problems.add(
          prefix + ".url: required, the server's WebSocket URL (ws://host:port/path or wss://...)");
      return null;
    }
    WebSocketTransport created = attempt(prefix + ".url", () -> WebSocketTransport.create(url));
    if (created == null) {
      return null;
    }
    Map<String, String> headers = Map.copyOf(client.getHeaders());
    WebSocketTransport transport =
        (headers.isEmpty() ? created : created.headers(h -> headers.forEach(h::set)))
            .compress(client.isCompress());
    transport =
        step(
            transport,
            prefix + ".subprotocols",
            t -> t.subprotocols(client.getSubprotocols().toArray(String[]::new)));
    transport =
        step(
            transport,
            prefix + ".connect-timeout",
            t -> t.connectTimeout(client.getConnectTimeout()));
    transport =
        step(
            transport,
            prefix + ".handshake-timeout",
            t -> t.handshakeTimeout(client.getHandshakeTimeout()));
    return step(
        transport,
        prefix + ".max-frame-payload-length",
        t -> t.maxFramePayloadLength(client.getMaxFramePayloadLength()));
  }

  /** {@code next(value)}, or {@code value} after noting the step's problem under property. */
  private <T> T step(T value, String property, UnaryOperator<T> next) {
    T result = attempt(property, () -> next.apply(value));
    return result == null ? value : result;
  }

  @Nullable Heartbeat heartbeat(String prefix, LifelineProperties.Heartbeat properties) {
    Heartbeat dialect =
        switch (properties.getDialect()) {
          case PING -> Heartbeat.ping();
          case TEXT ->
              attempt(
                  prefix + ".ping-text",
                  () -> Heartbeat.text(properties.getPingText(), properties.getPongText()));
        };
    if (dialect == null) {
      return null;
    }
    Heartbeat heartbeat =
        step(dialect, prefix + ".interval", h -> h.interval(properties.getInterval()));
    heartbeat = step(heartbeat, prefix + ".timeout", h -> h.timeout(properties.getTimeout()));
    return step(
        heartbeat,
        prefix + ".unanswered-limit",
        h -> h.unansweredLimit(properties.getUnansweredLimit()));
  }

  private @Nullable Retry retry(String prefix, LifelineProperties.Retry properties) {
    if (properties.getMaxAttempts() < 0) {
      problems.add(
          prefix + ".max-attempts: must not be negative, was " + properties.getMaxAttempts());
      return null;
    }
    if (negative(prefix + ".delay", properties.getDelay())) {
      return null;
    }
    return switch (properties.getBackoff()) {
      case FIXED -> Retry.fixedDelay(properties.getMaxAttempts(), properties.getDelay());
      case EXPONENTIAL -> {
        if (properties.getJitter() < 0 || properties.getJitter() > 1) {
          problems.add(prefix + ".jitter: must be between 0 and 1, was " + properties.getJitter());
          yield null;
        }
        if (properties.getMaxDelay().compareTo(properties.getDelay()) < 0) {
          problems.add(
              prefix
                  + ".max-delay: must not be shorter than the delay ("
                  + properties.getDelay()
                  + "), was "
                  + properties.getMaxDelay());
          yield null;
        }
        RetryBackoffSpec backoff =
            Retry.backoff(properties.getMaxAttempts(), properties.getDelay())
                .maxBackoff(properties.getMaxDelay())
                .jitter(properties.getJitter());
        yield backoff;
      }
    };
  }

  private @Nullable Resume resume(String prefix, LifelineProperties.ClientResume properties) {
    Resume resume =
        attempt(
            prefix + ".replay-buffer-frames",
            () -> Resume.defaults().withReplayBufferFrames(properties.getReplayBufferFrames()));
    if (resume == null) {
      return null;
    }
    return step(
        resume,
        prefix + ".replay-buffer-bytes",
        r -> r.withReplayBufferBytes(properties.getReplayBufferBytes()));
  }

  /** The endpoint's supervisor, or null after noting its problems. */
  @Nullable ServerSupervisor server(LifelineProperties.Server properties) {
    String prefix = "lifeline.server";
    int before = problems.size();
    ServerSupervisor.Builder builder = ServerSupervisor.builder();
    Heartbeat answered =
        attempt(
            prefix + ".answer-ping",
            () -> Heartbeat.text(properties.getAnswerPing(), properties.getAnswerPong()));
    if (answered != null) {
      builder.heartbeat(answered);
    }
    if (properties.getIdleTimeout() != null) {
      Duration idle = properties.getIdleTimeout();
      attempt(prefix + ".idle-timeout", () -> builder.idleTimeout(idle));
    } else {
      Heartbeat pings = heartbeat(prefix + ".ping-clients", properties.getPingClients());
      if (pings != null) {
        builder.pingClients(pings);
      }
    }
    attempt(prefix + ".close-timeout", () -> builder.closeTimeout(properties.getCloseTimeout()));
    attempt(
        prefix + ".max-message-length",
        () -> builder.maxMessageLength(properties.getMaxMessageLength()));
    negative(prefix + ".drain-window", properties.getDrainWindow());
    if (properties.getPath() == null || !properties.getPath().startsWith("/")) {
      problems.add(prefix + ".path: must start with '/', was \"" + properties.getPath() + "\"");
    }
    LifelineProperties.ServerResume resume = properties.getResume();
    if (resume.isEnabled()) {
      if (properties.getIdleTimeout() == null) {
        resumeNeedsPings(prefix + ".ping-clients.dialect", properties.getPingClients());
      }
      Resume settings = resume(prefix + ".resume", resume);
      builder.resume(settings);
      attempt(
          prefix + ".resume.session-timeout",
          () -> builder.sessionTimeout(resume.getSessionTimeout()));
      attempt(
          prefix + ".resume.max-detached-sessions",
          () -> builder.maxDetachedSessions(resume.getMaxDetachedSessions()));
    }
    if (problems.size() > before) {
      return null;
    }
    return attempt(prefix, builder::build);
  }

  /** Resume counts every text frame as data: its heartbeat must be RFC pings. */
  private void resumeNeedsPings(String property, LifelineProperties.Heartbeat heartbeat) {
    if (heartbeat.getDialect() != LifelineProperties.Dialect.PING) {
      problems.add(
          property
              + ": must be ping with resume enabled (on a resume connection every text frame is"
              + " data, so a text heartbeat would be counted as one), was "
              + heartbeat.getDialect().name().toLowerCase(Locale.ROOT));
    }
  }

  private boolean negative(String property, Duration duration) {
    if (duration.isNegative()) {
      problems.add(property + ": must not be negative, was " + duration);
      return true;
    }
    return false;
  }

  /** {@code step}'s result, or null after noting its IllegalArgumentException under property. */
  private <T> @Nullable T attempt(String property, Supplier<T> step) {
    try {
      return step.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      problems.add(property + ": " + e.getMessage());
      return null;
    }
  }
}
