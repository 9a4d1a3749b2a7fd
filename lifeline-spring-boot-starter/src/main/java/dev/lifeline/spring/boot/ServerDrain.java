package dev.lifeline.spring.boot;

import dev.lifeline.netty.ServerSupervisor;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the endpoint's clients with 1012 (service restart) over the drain window when the context
 * stops, before the web server does, so that clients see a clean close and come back spread over
 * the window instead of finding a dead socket. State: the running flag, under this object's
 * monitor.
 */
final class ServerDrain implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(ServerDrain.class);

  private final ServerSupervisor supervisor;
  private final Duration window;
  private final Duration timeout;
  private boolean running;

  ServerDrain(ServerSupervisor supervisor, Duration window, Duration timeout) {
    this.supervisor = supervisor;
    this.window = window;
    this.timeout = timeout;
  }

  @Override
  public synchronized void start() {
    running = true;
  }

  @Override
  public void stop() {
    stop(() -> {});
  }

  @Override
  public void stop(Runnable callback) {
    synchronized (this) {
      running = false;
    }
    int open = supervisor.connections();
    supervisor
        .drain(window)
        .timeout(timeout)
        .subscribe(
            null,
            e -> {
              log.warn(
                  "Lifeline endpoint: {} of {} clients still open after lifeline.shutdown-timeout"
                      + " ({} ms); the web server's stop closes them",
                  supervisor.connections(),
                  open,
                  timeout.toMillis());
              callback.run();
            },
            callback);
  }

  @Override
  public synchronized boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }
}
