package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServeCommandTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern LISTENING = Pattern.compile(".* listening on (ws://\\S+) .*");

  @Test
  void echoesAndTellsConnectedClientsItIsGoingAwayWhenStopped() throws Exception {
    try (CliRun serve = CliRun.start("serve", "--port", "0", "--path", "/echo")) {
      String listening =
          serve.err.await(line -> LISTENING.matcher(line).matches(), WAIT).orElseThrow();
      Matcher url = LISTENING.matcher(listening);
      assertThat(url.matches()).isTrue();
      assertThat(url.group(1)).startsWith("ws://127.0.0.1:").endsWith("/echo");

      try (CliRun connect =
          CliRun.start("connect", url.group(1), "--dialect", "text", "--retry-delay", "1m")) {
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
}
