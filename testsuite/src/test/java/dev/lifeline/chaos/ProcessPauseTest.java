package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.support.RealTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.DisposableServer;

/**
 * A client process paused for 3 s (SIGSTOP, then SIGCONT) with I = 1 s and T = 500 ms is not
 * declared dead by its own pause: the server answered while it was stopped, and its timers, firing
 * late, give the server a fresh heartbeat instead. A real child JVM running {@code lifeline
 * connect}; generous bounds.
 */
class ProcessPauseTest {

  @Test
  void aClientPausedLongerThanIntervalPlusTimeoutSurvivesWithoutAFalseDeath(@TempDir Path dir)
      throws Exception {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    DisposableServer server = Chaos.serve(supervisor, "/echo", c -> c.send(c.inbound()));
    Path events = dir.resolve("events.jsonl");
    Process client =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.lifeline.cli.Main",
                "connect",
                "ws://127.0.0.1:" + server.port() + "/echo",
                "--heartbeat-interval",
                "1s",
                "--heartbeat-timeout",
                "500ms",
                "--events",
                "json")
            .redirectError(events.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      RealTime.await("two answered heartbeats", () -> count(events, "heartbeat-answered") >= 2);

      signal(client, "STOP");
      RealTime.sleep(Duration.ofSeconds(3));
      signal(client, "CONT");
      int before = count(events, "heartbeat-answered");
      RealTime.await(
          "two more answered heartbeats", () -> count(events, "heartbeat-answered") >= before + 2);

      assertThat(lines(events)).noneMatch(line -> line.contains("\"event\":\"peer-dead\""));
      assertThat(count(events, "\"event\":\"connected\"")).isEqualTo(1);
    } finally {
      client.destroy();
      client.waitFor(10, TimeUnit.SECONDS);
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  private static void signal(Process process, String signal)
      throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -" + signal).isZero();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  private static int count(Path file, String what) {
    return (int) lines(file).stream().filter(line -> line.contains(what)).count();
  }
}
