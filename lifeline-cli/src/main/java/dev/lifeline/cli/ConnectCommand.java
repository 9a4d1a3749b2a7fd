package dev.lifeline.cli;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.Heartbeat;
import dev.lifeline.ReconnectsExhaustedException;
import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.WebSocketTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.Disposable;
import reactor.util.retry.Retry;

/**
 * {@code lifeline connect <ws-url>}: a supervised connection between the terminal and a WebSocket
 * server. Lines from stdin go out as text frames (buffered while disconnected), inbound text frames
 * are printed on stdout, events on stderr.
 */
@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    description = {
      "Connects to a WebSocket server and keeps the connection alive.",
      "Lines from stdin are sent as text frames (buffered while disconnected); inbound text frames"
          + " go to stdout, one per line; events go to stderr, one per line.",
      "Exits 0 once stdin ends and every line was sent, 1 when reconnects are exhausted, 2 for bad"
          + " arguments or an error that retrying cannot fix."
    },
    sortOptions = false)
final class ConnectCommand implements Callable<Integer> {

  /** Lines read from stdin but not yet handed to a connection; far below the buffer's capacity. */
  private static final int SEND_WINDOW = 256;

  /** How long events may take to drain after supervision ended. */
  private static final Duration EVENT_DRAIN = Duration.ofSeconds(5);

  private final Console console;

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "<ws-url>",
      description = "The server's address, ws:// or wss://, as in ws://127.0.0.1:8080/ws")
  String url;

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "<duration>",
      defaultValue = "60s",
      description = "Quiet time before a heartbeat is sent (default: ${DEFAULT-VALUE}).")
  Duration heartbeatInterval;

  @Option(
      names = "--heartbeat-timeout",
      paramLabel = "<duration>",
      defaultValue = "5s",
      description = "Time the server has to answer a heartbeat (default: ${DEFAULT-VALUE}).")
  Duration heartbeatTimeout;

  @Option(
      names = "--name",
      paramLabel = "<name>",
      description =
          "The connection's name in its events (default: the URL's host, port and path, without"
              + " credentials or query).")
  String name;

  @Option(
      names = "--heartbeat-unanswered",
      paramLabel = "<count>",
      defaultValue = "1",
      description =
          "Heartbeats in a row that must go unanswered before the server is declared dead; after"
              + " an unanswered one the next goes at once (default: ${DEFAULT-VALUE}).")
  int heartbeatUnanswered;

  @Option(
      names = "--retries",
      paramLabel = "<count>",
      defaultValue = "5",
      description = "Reconnect attempts per outage (default: ${DEFAULT-VALUE}).")
  int retries;

  @Option(
      names = "--retry-delay",
      paramLabel = "<duration>",
      defaultValue = "5s",
      description = "Delay before each reconnect attempt (default: ${DEFAULT-VALUE}).")
  Duration retryDelay;

  @Option(
      names = "--dialect",
      paramLabel = "ping|text",
      defaultValue = "ping",
      description =
          "Heartbeat: RFC 6455 ping/pong frames, or text frames --ping-text answered by"
              + " --pong-text (default: ${DEFAULT-VALUE}).")
  Dialect dialect;

  @Mixin TextDialectOptions texts;

  @Option(
      names = "--resume",
      description =
          "Offer resume (lifeline.resume.v1): against a server that selects it (lifeline serve"
              + " does), lines written into a dying connection are replayed after the reconnect,"
              + " and nothing arrives twice; other servers see no difference. Needs --dialect"
              + " ping.")
  boolean resume;

  @Option(
      names = "--max-frame-size",
      paramLabel = "<bytes>",
      defaultValue = "" + WebSocketTransport.DEFAULT_MAX_FRAME_PAYLOAD_LENGTH,
      description =
          "Largest inbound frame payload; a bigger frame ends the session with 1009 (default:"
              + " ${DEFAULT-VALUE}).")
  int maxFrameSize;

  @Option(
      names = "--header",
      paramLabel = "NAME:VALUE",
      converter = Header.Converter.class,
      description = "A header for the upgrade request; repeatable.")
  List<Header> headers = new ArrayList<>();

  @Option(
      names = "--events",
      paramLabel = "text|json",
      defaultValue = "text",
      description =
          "Event lines on stderr: text (time, event, then key=value fields) or one JSON object"
              + " (default: ${DEFAULT-VALUE}).")
  EventFormat events;

  /** Set once stdin ended and the connection is being closed. */
  private volatile boolean stdinEnded;

  /** See {@link #noteRefusalWhileClosing}. */
  private volatile Throwable refusedWhileClosing;

  ConnectCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() throws InterruptedException {
    SupervisedConnection connection = supervisor().connection();
    CountDownLatch eventsDone = new CountDownLatch(1);
    connection
        .events()
        .doOnNext(this::noteRefusalWhileClosing)
        .doFinally(signal -> eventsDone.countDown())
        .subscribe(events.printer(console.err(), Clock.systemUTC(), connection::state));

    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    Disposable inbound =
        connection
            .inbound()
            .subscribe(
                frame -> {
                  if (frame instanceof Frame.Text text) {
                    console.out(text.text());
                  }
                },
                failure -> outcome.complete(failed(failure)),
                () -> outcome.complete(completed()));
    Thread stdin = new Thread(() -> sendLines(connection, outcome), "lifeline-stdin");
    stdin.setDaemon(true);
    stdin.start();
    Thread interrupted =
        new Thread(() -> closeOnShutdown(connection, eventsDone), "lifeline-shutdown");
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      Outcome result = outcome.join();
      eventsDone.await(EVENT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
      if (result.message() != null) {
        // After the events, so that the reason is the last line the user sees.
        console.err(result.message());
      }
      return result.code();
    } finally {
      inbound.dispose();
      try {
        Runtime.getRuntime().removeShutdownHook(interrupted);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already shutting down: the hook runs, and closes the connection.
      }
    }
  }

  private Supervisor supervisor() {
    if (retries < 0) {
      throw bad("--retries must be 0 or more, was " + retries);
    }
    Durations.requirePositive(spec.commandLine(), heartbeatInterval, "--heartbeat-interval");
    Durations.requirePositive(spec.commandLine(), heartbeatTimeout, "--heartbeat-timeout");
    if (heartbeatUnanswered < 1) {
      throw bad("--heartbeat-unanswered must be 1 or more, was " + heartbeatUnanswered);
    }
    WebSocketTransport transport;
    try {
      transport = WebSocketTransport.create(url);
    } catch (IllegalArgumentException e) {
      throw bad("invalid <ws-url> '" + url + "': " + EventFormat.describe(e));
    }
    try {
      transport = transport.maxFramePayloadLength(maxFrameSize);
    } catch (IllegalArgumentException e) {
      throw bad("invalid --max-frame-size " + maxFrameSize + ": " + e.getMessage());
    }
    if (!headers.isEmpty()) {
      List<Header> upgradeHeaders = List.copyOf(headers);
      transport =
          transport.headers(
              http -> upgradeHeaders.forEach(header -> http.add(header.name(), header.value())));
    }
    Heartbeat heartbeat =
        texts
            .heartbeat(dialect)
            .interval(heartbeatInterval)
            .timeout(heartbeatTimeout)
            .unansweredLimit(heartbeatUnanswered);
    if (resume && dialect != Dialect.PING) {
      throw bad(
          "--resume counts every text frame as data, so it needs --dialect ping, was --dialect "
              + dialect.name().toLowerCase(java.util.Locale.ROOT));
    }
    Supervisor supervisor =
        Supervisor.create(transport)
            .heartbeat(heartbeat)
            .retry(Retry.fixedDelay(retries, retryDelay))
            .resume(resume ? Resume.defaults() : null);
    if (name == null) {
      return supervisor;
    }
    try {
      return supervisor.name(name);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--name: " + e.getMessage());
    }
  }

  /**
   * Sends stdin's lines in order, at most {@link #SEND_WINDOW} waiting at a time, and closes the
   * connection once stdin ended and every line was handed to a connection.
   */
  private void sendLines(SupervisedConnection connection, CompletableFuture<Outcome> outcome) {
    Semaphore window = new Semaphore(SEND_WINDOW);
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(console.in(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        window.acquire();
        if (outcome.isDone()) {
          return;
        }
        connection
            .send(Frame.text(line))
            .doFinally(signal -> window.release())
            // A send fails only when supervision ends, and then inbound fails with the same error
            // and decides the exit code; nothing to add here.
            .subscribe(null, failure -> {});
      }
      // Flush before closing: every line must have left before the close frame does.
      window.acquire(SEND_WINDOW);
    } catch (IOException e) {
      if (outcome.isDone()) {
        return;
      }
      console.err(spec.qualifiedName() + ": could not read stdin: " + EventFormat.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    stdinEnded = true;
    connection.close().subscribe(null, failure -> {});
  }

  private void closeOnShutdown(SupervisedConnection connection, CountDownLatch eventsDone) {
    try {
      connection.close().block(EVENT_DRAIN);
      eventsDone.await(EVENT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException | InterruptedException e) {
      // Shutting down anyway: a close that cannot finish in time is abandoned.
    }
    console.out().flush();
    console.err().flush();
  }

  /**
   * The peer's error status if it closed the connection with one while stdin's end closed it (its
   * close crossed ours, e.g. 1008 for the last line): reported and exit 2, not a silent 0.
   */
  private void noteRefusalWhileClosing(ConnectionEvent event) {
    if (stdinEnded
        && event instanceof ConnectionEvent.Disconnected disconnected
        && disconnected.cause() instanceof ConnectionClosedException) {
      refusedWhileClosing = disconnected.cause();
    }
  }

  private Outcome completed() {
    Throwable refused = refusedWhileClosing;
    if (refused == null) {
      return new Outcome(0, null);
    }
    return new Outcome(
        Main.FAILED,
        spec.qualifiedName()
            + ": every line was sent, but the server ended the connection with an error as it"
            + " closed: "
            + EventFormat.describe(refused));
  }

  private Outcome failed(Throwable failure) {
    return new Outcome(
        failure instanceof ReconnectsExhaustedException ? Main.EXHAUSTED : Main.FAILED,
        spec.qualifiedName() + ": " + EventFormat.describe(failure));
  }

  /** How the session ended: the exit code, and the line for stderr if it failed. */
  private record Outcome(int code, String message) {}

  private CommandLine.ParameterException bad(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
