package dev.lifeline.cli;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.ConnectionState;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How {@code lifeline connect} prints {@link ConnectionEvent}s on stderr, one per line.
 *
 * <p>Both forms carry the same fields, in this order: {@code time} (ISO-8601), {@code event} (one
 * of {@code connecting}, {@code connected}, {@code heartbeat-sent}, {@code heartbeat-answered},
 * {@code peer-dead}, {@code disconnected}, {@code reconnect-scheduled}, {@code exhausted}, {@code
 * closed}, and with resume {@code session-started}, {@code session-resumed}, {@code session-lost}),
 * {@code attempt}, then where they apply {@code sequence}, {@code rtt_ms}, {@code unanswered},
 * {@code silence_ms}, {@code delay_ms}, {@code close_code}, {@code replayed_frames}, {@code
 * downtime_ms}, {@code unconfirmed_frames} and {@code cause}; {@code lifeline connect} ends each
 * line with {@code state}, the connection's {@link ConnectionState} in lower case.
 */
enum EventFormat {
  /** {@code 2025-01-01T12:00:00.123Z connected attempt=0}: one event per line, key=value fields. */
  TEXT {
    @Override
    String format(Map<String, Object> fields) {
      StringBuilder line = new StringBuilder(96);
      for (Map.Entry<String, Object> field : fields.entrySet()) {
        Object value = field.getValue();
        if (value == null) {
          continue;
        }
        if (!line.isEmpty()) {
          line.append(' ');
        }
        String key = field.getKey();
        if (key.equals("time") || key.equals("event")) {
          line.append(value);
        } else {
          line.append(key).append('=').append(textValue(value));
        }
      }
      return line.toString();
    }
  },

  /** One JSON object per line. */
  JSON {
    @Override
    String format(Map<String, Object> fields) {
      return Json.object(fields);
    }
  };

  abstract String format(Map<String, Object> fields);

  /**
   * A printer for one connection's events. It remembers the attempt of the latest {@code
   * connecting} event so that heartbeat and liveness events name the connection they belong to.
   *
   * <p>Lines are stamped by {@code clock} as they are printed, which is as the events happen: an
   * event's own {@link ConnectionEvent#time()} comes from the supervisor's scheduler, whose clock
   * need not be the wall clock (Reactor's schedulers count nanoseconds from an arbitrary origin).
   */
  Consumer<ConnectionEvent> printer(PrintWriter err, Clock clock) {
    return printer(err, clock, () -> null);
  }

  /**
   * As {@link #printer(PrintWriter, Clock)}, each line ending with {@code state}: the connection's
   * {@link ConnectionState} when the event was printed, in lower case ({@code connected}, {@code
   * waiting}, …). Events are printed as they are emitted, so that is the state the event left the
   * connection in (for {@code disconnected}, the state before the retry policy decided).
   */
  Consumer<ConnectionEvent> printer(PrintWriter err, Clock clock, Supplier<ConnectionState> state) {
    return new Consumer<>() {
      private int attempt;

      @Override
      public void accept(ConnectionEvent event) {
        if (event instanceof ConnectionEvent.Connecting connecting) {
          attempt = connecting.attempt();
        }
        Map<String, Object> fields = fields(event, attempt, clock.instant());
        ConnectionState now = state.get();
        if (now != null) {
          fields.put("state", now.name().toLowerCase(Locale.ROOT));
        }
        String line = format(fields);
        synchronized (err) {
          err.println(line);
          err.flush();
        }
      }
    };
  }

  /**
   * {@code event}'s fields in print order, stamped {@code time}; {@code attempt} is used for the
   * events that carry none of their own.
   */
  static Map<String, Object> fields(ConnectionEvent event, int attempt, Instant time) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("time", time.toString());
    fields.put("event", ""); // set below; a put on a present key keeps its place, before the name
    fields.put("connection", event.name());
    if (event instanceof ConnectionEvent.Connecting e) {
      fields.put("event", "connecting");
      fields.put("attempt", e.attempt());
    } else if (event instanceof ConnectionEvent.Connected e) {
      fields.put("event", "connected");
      fields.put("attempt", e.attempt());
    } else if (event instanceof ConnectionEvent.HeartbeatSent e) {
      fields.put("event", "heartbeat-sent");
      fields.put("attempt", attempt);
      fields.put("sequence", e.sequence());
    } else if (event instanceof ConnectionEvent.HeartbeatAnswered e) {
      fields.put("event", "heartbeat-answered");
      fields.put("attempt", attempt);
      fields.put("sequence", e.sequence());
      fields.put("rtt_ms", Durations.millis(e.roundTrip()));
    } else if (event instanceof ConnectionEvent.PeerDead e) {
      fields.put("event", "peer-dead");
      fields.put("attempt", attempt);
      fields.put("sequence", e.sequence());
      fields.put("unanswered", e.unanswered());
      fields.put("silence_ms", Durations.millis(e.silence()));
    } else if (event instanceof ConnectionEvent.Disconnected e) {
      fields.put("event", "disconnected");
      fields.put("attempt", e.attempt());
      fields.put("close_code", e.closeCode().isPresent() ? e.closeCode().getAsInt() : null);
      fields.put("unconfirmed_frames", e.unconfirmedFrames());
      fields.put("cause", describe(e.cause()));
    } else if (event instanceof ConnectionEvent.ReconnectScheduled e) {
      fields.put("event", "reconnect-scheduled");
      fields.put("attempt", e.attempt());
      fields.put("delay_ms", Durations.millis(e.delay()));
    } else if (event instanceof ConnectionEvent.Exhausted e) {
      fields.put("event", "exhausted");
      fields.put("attempt", e.attempts());
      fields.put("cause", describe(e.cause()));
    } else if (event instanceof ConnectionEvent.Closed e) {
      fields.put("event", "closed");
      fields.put("attempt", attempt);
      fields.put("cause", e.cause() == null ? null : describe(e.cause()));
    } else if (event instanceof ConnectionEvent.SessionStarted e) {
      fields.put("event", "session-started");
      fields.put("attempt", e.attempt());
    } else if (event instanceof ConnectionEvent.SessionResumed e) {
      fields.put("event", "session-resumed");
      fields.put("attempt", e.attempt());
      fields.put("replayed_frames", e.replayedFrames());
      fields.put("downtime_ms", Durations.millis(e.downtime()));
    } else if (event instanceof ConnectionEvent.SessionLost e) {
      fields.put("event", "session-lost");
      fields.put("attempt", e.attempt());
      fields.put("unconfirmed_frames", e.unconfirmedFrames());
    } else {
      throw new IllegalStateException("unknown event type " + event.getClass().getName());
    }
    return fields;
  }

  /** A failure in one line: its message, or its type when it has none. */
  static String describe(Throwable failure) {
    if (failure == null) {
      return "unknown cause";
    }
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      return failure.getClass().getSimpleName();
    }
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static String textValue(Object value) {
    String text =
        value instanceof java.math.BigDecimal decimal ? decimal.toPlainString() : "" + value;
    boolean plain = !text.isEmpty();
    for (int i = 0; i < text.length() && plain; i++) {
      char c = text.charAt(i);
      plain = c > ' ' && c != '"' && c != '=' && c < 0x7f;
    }
    return plain ? text : Json.quote(text);
  }
}
