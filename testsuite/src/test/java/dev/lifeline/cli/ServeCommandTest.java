package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.support.RealTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServeCommandTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern LISTENING = Pattern.compile(".* listening on (ws://\\S+) .*");

  /** Whether a new TCP connection to {@code port} is refused. */
  private static boolean refused(int port) {
    try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
      return false;
    } catch (java.net.ConnectException refused) {
      return true;
    } catch (java.io.IOException other) {
      throw new java.io.UncheckedIOException(other);
    }
  }

  /** The URL {@code serve} says it listens on, once it says so. */
  private static String listeningUrl(CliRun serve) throws Exception {
    Matcher url =
        LISTENING.matcher(
            serve.err.await(line -> LISTENING.matcher(line).matches(), WAIT).orElseThrow());
    assertThat(url.matches()).isTrue();
    return url.group(1);
  }

  @Test
  void echoesAndTellsConnectedClientsItIsGoingAwayWhenStopped() throws Exception {
    try (CliRun serve = CliRun.start("serve", "--port", "0", "--path", "/echo")) {
      String url = listeningUrl(serve);
      assertThat(url).startsWith("ws://127.0.0.1:").endsWith("/echo");

      try (CliRun connect =
          CliRun.start("connect", url, "--dialect", "text", "--retry-delay", "1m")) {
        connect.type("ping through serve");
        assertThat(connect.out.await("ping through serve"::equals, WAIT)).isPresent();

        // stopping the server closes the client with 1001 instead of dropping it
        serve.interrupt();
        assertThat(serve.exitCode()).isZero();
        assertThat(serve.err.all())
            .last()
            .asString()
            .endsWith(" stopped (closed 1 client with 1001)");
        assertThat(connect.err.await(line -> line.contains(" close_code=1001 "), WAIT)).isPresent();

        // the client waits to reconnect; ending its input ends it
        connect.endInput();
        assertThat(connect.exitCode()).isZero();
      }
    }
  }

  @Test
  void withAReconnectHintStoppingDrainsWith1012AndALifelineClientWaitsWithinTheHint()
      throws Exception {
    try (CliRun serve = CliRun.start("serve", "--port", "0", "--reconnect-within", "3s")) {
      String url = listeningUrl(serve);
      try (CliRun connect =
          CliRun.start("connect", url, "--dialect", "text", "--retry-delay", "1m")) {
        connect.type("before the restart");
        assertThat(connect.out.await("before the restart"::equals, WAIT)).isPresent();

        serve.interrupt();
        assertThat(serve.exitCode()).isZero();
        assertThat(serve.err.all())
            .last()
            .asString()
            .endsWith(" stopped (closed 1 client with 1012)");
        assertThat(
                connect.err.await(
                    line ->
                        line.contains(" close_code=1012 ")
                            && line.contains("service restart; reconnect within 3000 ms"),
                    WAIT))
            .isPresent();
        // the policy's 1 min, plus a random point within the server's 3 s
        String scheduled =
            connect.err.await(line -> line.contains(" reconnect-scheduled "), WAIT).orElseThrow();
        Matcher delay = Pattern.compile(" delay_ms=(\\d+)").matcher(scheduled);
        assertThat(delay.find()).as(scheduled).isTrue();
        assertThat(Long.parseLong(delay.group(1))).isBetween(60_000L, 63_000L);

        connect.endInput();
        assertThat(connect.exitCode()).isZero();
      }
    }
  }

  @Test
  void aDrainingServeStopsAcceptingBeforeItClosesItsClients() throws Exception {
    try (CliRun serve = CliRun.start("serve", "--port", "0", "--drain-window", "0s")) {
      String url = listeningUrl(serve);
      int port = java.net.URI.create(url).getPort();
      // a client that never answers the close keeps the drain going for the 5 s close timeout
      try (dev.lifeline.netty.RawClient silent = dev.lifeline.netty.RawClient.connect(port)) {
        assertThat(serve.err.await(line -> line.contains(" client-connected "), WAIT)).isPresent();
        serve.interrupt();

        RealTime.await("a new connection refused while draining", () -> refused(port));
        assertThat(serve.running()).as("still draining the silent client").isTrue();
      }
      assertThat(serve.exitCode()).isZero();
    }
  }

  @Test
  void jsonEventsAreOneObjectPerLineWithWholeMillisecondDurationsMatchingTheReason()
      throws Exception {
    try (CliRun serve =
        CliRun.start("serve", "--port", "0", "--events", "json", "--idle-timeout", "300ms")) {
      String url = listeningUrl(serve);
      HttpClient.newHttpClient()
          .newWebSocketBuilder()
          .buildAsync(URI.create(url), new WebSocket.Listener() {})
          .get(30, TimeUnit.SECONDS);

      String idleLine =
          serve.err.await(line -> line.contains("\"client-idle-closed\""), WAIT).orElseThrow();
      String closedLine =
          serve.err.await(line -> line.contains("\"client-closed\""), WAIT).orElseThrow();
      Map<String, Object> idle = FlatJson.parse(idleLine);
      Map<String, Object> closed = FlatJson.parse(closedLine);

      assertThat(idle).containsKeys("time", "id", "remote");
      assertThat(idle.get("silence_ms")).isInstanceOf(Number.class);
      long silence = ((Number) idle.get("silence_ms")).longValue();
      assertThat(((Number) idle.get("silence_ms")).doubleValue()).isEqualTo((double) silence);
      assertThat(silence).isGreaterThanOrEqualTo(300);
      assertThat(((Number) closed.get("close_code")).intValue()).isEqualTo(1001);
      assertThat(closed.get("reason"))
          .isEqualTo("idle: no frame for " + silence + " ms (limit 300 ms)");
      assertThat(closed.get("id")).isEqualTo(idle.get("id"));
      serve.interrupt();
      assertThat(serve.exitCode()).isZero();
    }
  }

  @Test
  void pingsAClientThatOnlyListensAndPrintsEachAnswerAsJson() throws Exception {
    try (CliRun serve =
        CliRun.start(
            "serve",
            "--port",
            "0",
            "--events",
            "json",
            "--ping-interval",
            "200ms",
            "--ping-timeout",
            "2s")) {
      String listening =
          serve.err.await(line -> LISTENING.matcher(line).matches(), WAIT).orElseThrow();
      assertThat(listening).contains("pings clients after 200ms quiet, timeout 2s");
      Matcher url = LISTENING.matcher(listening);
      assertThat(url.matches()).isTrue();
      HttpClient.newHttpClient()
          .newWebSocketBuilder()
          .buildAsync(URI.create(url.group(1)), new WebSocket.Listener() {})
          .get(30, TimeUnit.SECONDS);

      Map<String, Object> second =
          FlatJson.parse(
              serve
                  .err
                  .await(
                      line ->
                          line.contains("\"client-heartbeat-answered\"")
                              && line.contains("\"sequence\":2"),
                      WAIT)
                  .orElseThrow());
      assertThat(second).containsKeys("time", "id", "remote");
      assertThat(((Number) second.get("rtt_ms")).doubleValue()).isPositive();
      assertThat(serve.err.all()).noneMatch(line -> line.contains("client-dead"));
      serve.interrupt();
      assertThat(serve.exitCode()).isZero();
    }
  }
}
