package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.lifeline.netty.ServerSupervisor;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

class ConnectCommandTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static DisposableServer http;
  private static String echo;

  @BeforeAll
  static void startServer() {
    ServerSupervisor server = ServerSupervisor.builder().build();
    ServerSupervisor resuming =
        ServerSupervisor.builder().resume(dev.lifeline.Resume.defaults()).build();
    http =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes
                        .ws("/ws", server.handler(c -> c.send(c.inbound())))
                        .get("/resume", resuming.upgrade(c -> c.send(c.inbound())))
                        .ws(
                            "/big",
                            (in, out) ->
                                out.sendString(Mono.just("x".repeat(200)))
                                    .then(in.receive().then()))
                        .ws(
                            "/refuse",
                            (in, out) ->
                                in.receiveFrames()
                                    .take(1)
                                    .flatMap(frame -> out.sendClose(1008, "not allowed"))
                                    .then())
                        .ws(
                            "/token",
                            (in, out) ->
                                out.sendString(Mono.just("token=" + in.headers().get("X-Token")))
                                    .then(in.receive().then())))
            .bindNow();
    echo = "ws://127.0.0.1:" + http.port() + "/ws";
  }

  @AfterAll
  static void stopServer() {
    http.disposeNow(WAIT);
  }

  @Test
  void jsonEventsAreParseableLinesAndStdinLinesComeBackOnStdout() throws Exception {
    try (CliRun run =
        CliRun.start("connect", echo, "--events", "json", "--heartbeat-interval", "200ms")) {
      assertThat(run.err.await(line -> line.contains("\"heartbeat-answered\""), WAIT)).isPresent();
      run.type("hello lifeline");
      run.type("second line");
      assertThat(run.out.await("second line"::equals, WAIT)).isPresent();
      run.endInput();

      assertThat(run.exitCode()).isZero();
      List<Map<String, Object>> events = run.err.all().stream().map(FlatJson::parse).toList();
      assertThat(events).extracting(e -> e.get("event")).startsWith("connecting", "connected");
      assertThat(events).last().satisfies(e -> assertThat(e).contains(entry("event", "closed")));
      assertThat(events)
          .allSatisfy(
              e -> {
                assertThat(Instant.parse((String) e.get("time"))).isNotNull();
                assertThat(e.get("attempt")).isEqualTo(BigDecimal.ZERO);
              });
      assertThat(events)
          .filteredOn(e -> "heartbeat-answered".equals(e.get("event")))
          .first()
          .satisfies(e -> assertThat((BigDecimal) e.get("rtt_ms")).isNotNegative());
      assertThat(run.out.all()).containsExactly("hello lifeline", "second line");
    }
  }

  @Test
  void resumeAgainstAResumingServerStartsASessionAndEchoesEveryLine() throws Exception {
    String uri = "ws://127.0.0.1:" + http.port() + "/resume";
    try (CliRun run = CliRun.start("connect", uri, "--resume", "--events", "json")) {
      assertThat(run.err.await(line -> line.contains("\"session-started\""), WAIT)).isPresent();
      run.type("one");
      run.type("two");
      assertThat(run.out.await("two"::equals, WAIT)).isPresent();
      run.endInput();
      assertThat(run.exitCode()).isZero();
      assertThat(run.out.all()).containsExactly("one", "two");
    }
  }

  @Test
  void resumeWithTheTextDialectIsABadArgument() throws Exception {
    CliRun run = CliRun.finished("connect", echo, "--resume", "--dialect", "text");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(String.join("\n", run.err.all())).contains("--resume", "needs --dialect ping");
  }

  @Test
  void frameOverMaxFrameSizeEndsTheSessionWith1009AndExitsTwo() throws Exception {
    try (CliRun run =
        CliRun.start(
            "connect", "ws://127.0.0.1:" + http.port() + "/big", "--max-frame-size", "150")) {
      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err.all())
          .last()
          .satisfies(
              line -> assertThat(line).contains("exceeds the maximum payload length of 150 bytes"));
      assertThat(run.out.all()).isEmpty();
    }
  }

  @Test
  void serverRefusingTheLastLineAsStdinEndsIsReportedAndExitsTwo() throws Exception {
    // Either the server's 1008 arrives before stdin's end closes the connection (an error that ends
    // supervision) or it crosses our close (reported as the close's outcome): exit 2 both ways.
    try (CliRun run = CliRun.start("connect", "ws://127.0.0.1:" + http.port() + "/refuse")) {
      assertThat(run.err.await(line -> line.contains("connected"), WAIT)).isPresent();
      run.type("trigger");
      run.endInput();

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err.all()).anySatisfy(line -> assertThat(line).contains("close_code=1008"));
      assertThat(run.err.all())
          .last()
          .satisfies(
              line ->
                  assertThat(line)
                      .startsWith("lifeline connect: ")
                      .contains("status 1008 (policy violation): \"not allowed\""));
    }
  }

  @Test
  void textDialectHeartbeatsAreAnsweredAndNeverPrinted() throws Exception {
    try (CliRun run =
        CliRun.start(
            "connect",
            echo,
            "--dialect",
            "text",
            "--heartbeat-interval",
            "100ms",
            "--events",
            "json")) {
      assertThat(run.err.await(line -> line.contains("\"heartbeat-answered\""), WAIT)).isPresent();
      run.endInput();

      assertThat(run.exitCode()).isZero();
      assertThat(run.out.all()).isEmpty();
    }
  }

  @Test
  void headersGoWithTheUpgradeRequest() throws Exception {
    try (CliRun run =
        CliRun.start(
            "connect",
            "ws://127.0.0.1:" + http.port() + "/token",
            "--header",
            "X-Token: abc 123")) {
      assertThat(run.out.await(line -> line.startsWith("token="), WAIT)).contains("token=abc 123");
      run.endInput();
      assertThat(run.exitCode()).isZero();
    }
  }

  @Test
  void refusedPortExhaustsTheRetriesAndExitsOne() throws Exception {
    int refused;
    try (ServerSocket socket = new ServerSocket(0)) {
      refused = socket.getLocalPort();
    }
    try (CliRun run =
        CliRun.start(
            "connect",
            "ws://127.0.0.1:" + refused + "/ws",
            "--retries",
            "2",
            "--retry-delay",
            "10ms",
            "--events",
            "json")) {
      assertThat(run.exitCode()).isEqualTo(1);

      List<String> lines = run.err.all();
      List<Map<String, Object>> events =
          lines.subList(0, lines.size() - 1).stream().map(FlatJson::parse).toList();
      assertThat(events)
          .extracting(e -> e.get("event") + " " + e.get("attempt"))
          .containsExactly(
              "connecting 0",
              "disconnected 0",
              "reconnect-scheduled 1",
              "connecting 1",
              "disconnected 1",
              "reconnect-scheduled 2",
              "connecting 2",
              "disconnected 2",
              "exhausted 2",
              "closed 2");
      assertThat(lines.get(lines.size() - 1))
          .startsWith(
              "lifeline connect: gave up after 2 reconnect attempts; the last one failed: ");
    }
  }

  @Test
  void handshakeRejectedWith404ExitsTwoWithoutRetrying() throws Exception {
    try (CliRun run =
        CliRun.start(
            "connect", "ws://127.0.0.1:" + http.port() + "/nowhere", "--retry-delay", "10ms")) {
      assertThat(run.exitCode()).isEqualTo(2);

      List<String> lines = run.err.all();
      assertThat(lines).filteredOn(line -> line.contains(" connecting ")).hasSize(1);
      assertThat(lines.get(lines.size() - 1)).startsWith("lifeline connect: ").contains("404");
    }
  }
}
