package dev.lifeline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lifeline} command run in-process on its own thread, with captured stdout and stderr
 * and a stdin the test writes to.
 */
final class CliRun implements AutoCloseable {
  final Lines out = new Lines();
  final Lines err = new Lines();
  private final PipedOutputStream stdin = new PipedOutputStream();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Thread thread;

  private CliRun(String... args) throws IOException {
    InputStream in = new PipedInputStream(stdin, 64 * 1024);
    Console console = new Console(in, new PrintWriter(out), new PrintWriter(err));
    thread =
        new Thread(
            () -> {
              try {
                exit.complete(Main.commandLine(console).execute(args));
              } catch (Throwable t) {
                exit.completeExceptionally(t);
              }
            },
            "lifeline-under-test");
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts {@code lifeline args...}; stdin stays open until {@link #endInput()}. */
  static CliRun start(String... args) throws IOException {
    return new CliRun(args);
  }

  /** Runs {@code lifeline args...} with stdin already at its end and returns its exit code. */
  static CliRun finished(String... args) throws Exception {
    CliRun run = new CliRun(args);
    run.endInput();
    run.exitCode(Duration.ofSeconds(30));
    return run;
  }

  void type(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  void endInput() throws IOException {
    stdin.close();
  }

  int exitCode(Duration limit) throws Exception {
    return exit.get(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  int exitCode() throws Exception {
    return exitCode(Duration.ofSeconds(30));
  }

  @Override
  public void close() throws IOException {
    stdin.close();
  }

  /** Whether the command is still running. */
  boolean running() {
    return !exit.isDone();
  }

  /** Interrupts the command's thread, as a signal would stop the process. */
  void interrupt() {
    thread.interrupt();
  }
}
