package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BadArgumentsTest {

  @Test
  void noSubcommandExitsTwoWithOneLine() throws Exception {
    assertBadArguments(
        CliRun.finished(), "lifeline: Missing required subcommand (see 'lifeline --help')");
  }

  @Test
  void unknownOptionExitsTwoWithOneLine() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--bogus"),
        "lifeline connect: Unknown option: '--bogus' (see 'lifeline connect --help')");
  }

  @Test
  void missingUrlExitsTwoWithOneLine() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "--retries", "1"),
        "lifeline connect: Missing required parameter: '<ws-url>' (see 'lifeline connect --help')");
  }

  @Test
  void badDurationExitsTwoAndSaysWhichOptionAndWhatIsAccepted() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--heartbeat-timeout", "5x"),
        "lifeline connect: Invalid value for option '--heartbeat-timeout': '5x' is not a duration:"
            + " write a number and a unit (ms, s, m or h), as in 500ms, 5s or 1m (see 'lifeline"
            + " connect --help')");
  }

  @Test
  void maxFrameSizeBelowAControlFramesPayloadExitsTwo() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--max-frame-size", "10"),
        "lifeline connect: invalid --max-frame-size 10: max frame payload length must be at least"
            + " 125 bytes (a control frame's payload), was 10 (see 'lifeline connect --help')");
  }

  @Test
  void zeroHeartbeatIntervalExitsTwo() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--heartbeat-interval", "0s"),
        "lifeline connect: --heartbeat-interval must be more than 0, was 0s (see 'lifeline connect"
            + " --help')");
  }

  @Test
  void aBlankNameExitsTwoWithTheReason() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--name", " "),
        "lifeline connect: --name: connection name must not be blank, was \" \" (see 'lifeline"
            + " connect --help')");
  }

  @Test
  void zeroUnansweredHeartbeatsExitTwo() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--heartbeat-unanswered", "0"),
        "lifeline connect: --heartbeat-unanswered must be 1 or more, was 0 (see 'lifeline"
            + " connect --help')");
  }

  @Test
  void negativeRetriesExitTwo() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--retries", "-1"),
        "lifeline connect: --retries must be 0 or more, was -1 (see 'lifeline connect --help')");
  }

  @Test
  void unknownDialectExitsTwo() throws Exception {
    CliRun run = CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--dialect", "morse");
    assertBadArguments(run, null);
    assertThat(run.err.all().get(0))
        .startsWith("lifeline connect: Invalid value for option '--dialect': ")
        .contains("'morse'");
  }

  @Test
  void headerWithoutColonExitsTwo() throws Exception {
    assertBadArguments(
        CliRun.finished("connect", "ws://127.0.0.1:9/ws", "--header", "Authorization"),
        "lifeline connect: Invalid value for option '--header' (NAME:VALUE): 'Authorization' is"
            + " not a header: write NAME:VALUE, as in 'Authorization: Bearer abc123' (see"
            + " 'lifeline connect --help')");
  }

  @Test
  void urlThatIsNoWebSocketAddressExitsTwo() throws Exception {
    CliRun run = CliRun.finished("connect", "http//nowhere", "--events", "json");
    assertBadArguments(run, null);
    assertThat(run.err.all().get(0))
        .startsWith("lifeline connect: invalid <ws-url> 'http//nowhere': ");
  }

  @Test
  void serveRejectsAPortOutOfRange() throws Exception {
    assertBadArguments(
        CliRun.finished("serve", "--port", "70000"),
        "lifeline serve: --port must be between 0 and 65535, was 70000 (see 'lifeline serve"
            + " --help')");
  }

  @Test
  void serveRejectsAnIdleTimeoutBesidePings() throws Exception {
    assertBadArguments(
        CliRun.finished("serve", "--idle-timeout", "65s", "--ping-interval", "30s"),
        "lifeline serve: --idle-timeout closes silent clients without pinging them: give it or"
            + " --ping-interval/--ping-timeout, not both (see 'lifeline serve --help')");
  }

  @Test
  void serveRejectsAZeroPingTimeout() throws Exception {
    assertBadArguments(
        CliRun.finished("serve", "--ping-timeout", "0s"),
        "lifeline serve: --ping-timeout must be more than 0, was 0s (see 'lifeline serve"
            + " --help')");
  }

  @Test
  void helpGoesToStdoutAndExitsZero() throws Exception {
    CliRun run = CliRun.finished("connect", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out.toString())
        .contains("--heartbeat-interval=<duration>", "60s)", "--header=NAME:VALUE");
    assertThat(run.err.all()).isEmpty();
  }

  /** Exit 2, one line on stderr (exactly {@code message} unless null), nothing on stdout. */
  private static void assertBadArguments(CliRun run, String message) throws Exception {
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err.all()).hasSize(1);
    if (message != null) {
      assertThat(run.err.all()).containsExactly(message);
    }
    assertThat(run.out.all()).isEmpty();
  }
}
