package dev.lifeline.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lifeline} command: {@code demo} shows detection and reconnection on loopback, {@code
 * connect} supervises a connection to any WebSocket server from the terminal, {@code serve} runs an
 * echo server that answers heartbeats and reaps silent clients.
 *
 * <p>Exit codes: 0 success; 1 reconnects exhausted; 2 bad arguments or an error that retrying
 * cannot fix, always with a one-line message on stderr.
 *
 * @since 0.1.0
 */
public final class Main {

  /** Exit code when the retry policy gave up. */
  static final int EXHAUSTED = 1;

  /** Exit code for bad arguments and errors that retrying cannot fix. */
  static final int FAILED = 2;

  private static final String LOGBACK_CONFIG = "logback.configurationFile";

  private Main() {}

  /**
   * Runs the command and exits with its code.
   *
   * @since 0.1.0
   */
  public static void main(String[] args) {
    // Set before anything logs: the bundled config keeps Netty quiet, and under its own name it
    // cannot shadow a library user's logback.xml. An explicit -Dlogback.configurationFile wins.
    if (System.getProperty(LOGBACK_CONFIG) == null) {
      System.setProperty(LOGBACK_CONFIG, "dev/lifeline/cli/logback.xml");
    }
    Console console =
        new Console(
            System.in,
            new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)),
            new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8)));
    int code = commandLine(console).execute(args);
    console.out().flush();
    console.err().flush();
    System.exit(code);
  }

  /** The command wired to {@code console}, with every converter and error handler installed. */
  static CommandLine commandLine(Console console) {
    CommandLine commandLine =
        new CommandLine(new Root())
            .addSubcommand(new DemoCommand(console))
            .addSubcommand(new ConnectCommand(console))
            .addSubcommand(new ServeCommand(console));
    commandLine
        .registerConverter(Duration.class, new Durations())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setOut(console.out())
        .setErr(console.err())
        .setParameterExceptionHandler(Main::badArguments)
        .setExecutionExceptionHandler(
            (failure, command, parseResult) -> {
              console.err(
                  command.getCommandSpec().qualifiedName() + ": " + EventFormat.describe(failure));
              return FAILED;
            });
    return commandLine;
  }

  private static int badArguments(CommandLine.ParameterException problem, String[] args) {
    CommandLine command = problem.getCommandLine();
    String name = command.getCommandSpec().qualifiedName();
    PrintWriter err = command.getErr();
    synchronized (err) {
      err.println(name + ": " + EventFormat.describe(problem) + " (see '" + name + " --help')");
      err.flush();
    }
    return FAILED;
  }

  @Command(
      name = "lifeline",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Keeps WebSocket connections alive: heartbeats, dead-peer detection, reconnects.",
      footer = {
        "",
        "Exit codes: 0 done, 1 reconnects exhausted, 2 bad arguments or an unretryable error."
      })
  static final class Root {}

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"lifeline " + (version == null ? "(development build)" : version)};
    }
  }
}
