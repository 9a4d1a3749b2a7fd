package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.ConnectionEvent;
import dev.lifeline.ConnectionState;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EventFormatTest {

  private static final Instant T = Instant.parse("2025-03-01T12:00:00.250Z");

  /** The scheduler's time: Reactor's count from an arbitrary origin, not the wall clock. */
  private static final Instant S = Instant.EPOCH.plusSeconds(2401);

  @Test
  void everyEventIsOneParseableJsonObjectWithWallClockTimeEventAndAttempt() {
    List<ConnectionEvent> session =
        List.of(
            new ConnectionEvent.Connecting(S, "feed", 0),
            new ConnectionEvent.Connected(S, "feed", 0),
            new ConnectionEvent.HeartbeatSent(S, "feed", 1),
            new ConnectionEvent.HeartbeatAnswered(S, "feed", 1, Duration.ofNanos(1_250_000)),
            new ConnectionEvent.HeartbeatSent(S, "feed", 2),
            new ConnectionEvent.PeerDead(S, "feed", 2, Duration.ofMillis(1500)),
            new ConnectionEvent.Disconnected(S, "feed", 0, new IOException("peer \"x\" dead"), 2),
            new ConnectionEvent.ReconnectScheduled(S, "feed", 1, Duration.ofSeconds(5)),
            new ConnectionEvent.Connecting(S, "feed", 1),
            new ConnectionEvent.Disconnected(
                S, "feed", 1, new ConnectionClosedException(1011, "oops\nline two"), 0),
            new ConnectionEvent.Exhausted(S, "feed", 1, new IOException("refused")),
            new ConnectionEvent.Closed(S, "feed", new IOException("refused")));

    List<Map<String, Object>> lines =
        print(EventFormat.JSON, session).stream().map(FlatJson::parse).toList();

    assertThat(lines)
        .extracting(line -> line.get("event"))
        .containsExactly(
            "connecting",
            "connected",
            "heartbeat-sent",
            "heartbeat-answered",
            "heartbeat-sent",
            "peer-dead",
            "disconnected",
            "reconnect-scheduled",
            "connecting",
            "disconnected",
            "exhausted",
            "closed");
    assertThat(lines)
        .allSatisfy(
            line -> {
              assertThat(line.get("time")).isEqualTo("2025-03-01T12:00:00.250Z");
              assertThat(line.get("attempt")).isInstanceOf(BigDecimal.class);
            });
    assertThat(lines.get(3))
        .containsExactly(
            entry("time", "2025-03-01T12:00:00.250Z"),
            entry("event", "heartbeat-answered"),
            entry("connection", "feed"),
            entry("attempt", new BigDecimal("0")),
            entry("sequence", new BigDecimal("1")),
            entry("rtt_ms", new BigDecimal("1.25")));
    assertThat(lines.get(5))
        .contains(
            entry("silence_ms", new BigDecimal("1500")), entry("unanswered", new BigDecimal("1")));
    assertThat(lines.get(6))
        .contains(
            entry("cause", "peer \"x\" dead"), entry("unconfirmed_frames", new BigDecimal("2")))
        .doesNotContainKey("close_code");
    assertThat(lines.get(7))
        .contains(entry("attempt", new BigDecimal("1")), entry("delay_ms", new BigDecimal("5000")));
    assertThat(lines.get(9))
        .contains(
            entry("attempt", new BigDecimal("1")),
            entry("close_code", new BigDecimal("1011")),
            entry(
                "cause",
                "peer closed the connection with status 1011 (internal server error): \"oops line"
                    + " two\""));
    assertThat(lines.get(10))
        .contains(entry("attempt", new BigDecimal("1")), entry("cause", "refused"));
    assertThat(lines.get(11)).contains(entry("cause", "refused"));
  }

  @Test
  void resumeEventsCarryTheirCounts() {
    List<Map<String, Object>> lines =
        print(
                EventFormat.JSON,
                List.of(
                    new ConnectionEvent.SessionStarted(S, "feed", 0),
                    new ConnectionEvent.SessionResumed(S, "feed", 2, 17, Duration.ofMillis(5250)),
                    new ConnectionEvent.SessionLost(S, "feed", 3, 4)))
            .stream()
            .map(FlatJson::parse)
            .toList();

    assertThat(lines.get(0)).contains(entry("event", "session-started"));
    assertThat(lines.get(1))
        .contains(
            entry("event", "session-resumed"),
            entry("attempt", new BigDecimal("2")),
            entry("replayed_frames", new BigDecimal("17")),
            entry("downtime_ms", new BigDecimal("5250")));
    assertThat(lines.get(2))
        .contains(
            entry("event", "session-lost"),
            entry("attempt", new BigDecimal("3")),
            entry("unconfirmed_frames", new BigDecimal("4")));
  }

  @Test
  void heartbeatEventsCarryTheAttemptOfTheConnectionTheyBelongTo() {
    List<String> lines =
        print(
            EventFormat.JSON,
            List.of(
                new ConnectionEvent.Connecting(S, "feed", 3),
                new ConnectionEvent.Connected(S, "feed", 3),
                new ConnectionEvent.HeartbeatSent(S, "feed", 1),
                new ConnectionEvent.Closed(S, "feed", null)));

    assertThat(FlatJson.parse(lines.get(2))).contains(entry("attempt", new BigDecimal("3")));
    assertThat(FlatJson.parse(lines.get(3)))
        .containsOnlyKeys("time", "event", "connection", "attempt")
        .contains(entry("attempt", new BigDecimal("3")));
  }

  @Test
  void textFormIsKeyValueWithQuotesOnlyWhereNeeded() {
    List<String> lines =
        print(
            EventFormat.TEXT,
            List.of(
                new ConnectionEvent.Connecting(S, "feed", 0),
                new ConnectionEvent.HeartbeatAnswered(S, "feed", 4, Duration.ofMillis(3)),
                new ConnectionEvent.Disconnected(
                    S, "feed", 0, new ConnectionClosedException(1001, "bye"), 0)));

    assertThat(lines)
        .containsExactly(
            "2025-03-01T12:00:00.250Z connecting connection=feed attempt=0",
            "2025-03-01T12:00:00.250Z heartbeat-answered connection=feed attempt=0 sequence=4"
                + " rtt_ms=3",
            "2025-03-01T12:00:00.250Z disconnected connection=feed attempt=0 close_code=1001"
                + " unconfirmed_frames=0 cause=\"peer closed the connection with status 1001"
                + " (going away): \\\"bye\\\"\"");
  }

  @Test
  void eachLineEndsWithTheConnectionsStateInLowerCase() {
    Lines lines = new Lines();
    ConnectionState[] now = {ConnectionState.WAITING};
    Consumer<ConnectionEvent> printer =
        EventFormat.JSON.printer(
            new PrintWriter(lines), Clock.fixed(T, ZoneOffset.UTC), () -> now[0]);
    printer.accept(new ConnectionEvent.ReconnectScheduled(S, "feed", 1, Duration.ofSeconds(5)));
    now[0] = ConnectionState.CONNECTED;
    printer.accept(new ConnectionEvent.Connected(S, "feed", 1));

    assertThat(lines.all().stream().map(FlatJson::parse).map(line -> line.get("state")))
        .containsExactly("waiting", "connected");
    assertThat(lines.all().get(1)).endsWith(",\"state\":\"connected\"}");
  }

  @Test
  void aFailureWithoutMessageIsDescribedByItsType() {
    assertThat(EventFormat.describe(new IOException())).isEqualTo("IOException");
    assertThat(EventFormat.describe(new IOException("  two\n  lines "))).isEqualTo("two lines");
  }

  private static List<String> print(EventFormat format, List<ConnectionEvent> events) {
    Lines lines = new Lines();
    Consumer<ConnectionEvent> printer =
        format.printer(new PrintWriter(lines), Clock.fixed(T, ZoneOffset.UTC));
    events.forEach(printer);
    return lines.all();
  }
}
