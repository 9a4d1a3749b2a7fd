package dev.lifeline.spring.boot;

import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * The clients of {@code lifeline.clients}: their supervisors, made once from the properties and the
 * {@link LifelineClientCustomizer}s, and the connections made from them, which it closes when the
 * application context stops (status 1000, bounded by {@code lifeline.shutdown-timeout}).
 *
 * <p>A connection is made when its bean is first asked for, and supervises nothing until the
 * application subscribes its {@code inbound()} (rule C1). State: the supervisors are fixed at
 * construction; the connections made, the running flag and the keep-alive thread are plain fields
 * under this object's monitor (bean creation and shutdown may run on different threads; the
 * keep-alive thread waits on the monitor).
 */
final class LifelineClients implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(LifelineClients.class);

  private final Map<String, Supervisor> supervisors;
  private final Duration shutdownTimeout;
  private final boolean keepAlive;
  private final Map<String, SupervisedConnection> connections = new LinkedHashMap<>();
  private boolean running;
  private Thread keepingAlive;

  LifelineClients(LifelineProperties properties, List<LifelineClientCustomizer> customizers) {
    PropertiesMapper mapper = new PropertiesMapper();
    Map<String, Supervisor> made = new LinkedHashMap<>();
    properties
        .getClients()
        .forEach(
            (name, client) -> {
              Supervisor supervisor =
                  mapper.supervisor(
                      name,
                      client,
                      transport -> {
                        for (LifelineClientCustomizer customizer : customizers) {
                          transport = customizer.transport(name, transport);
                        }
                        return transport;
                      });
              if (supervisor != null) {
                for (LifelineClientCustomizer customizer : customizers) {
                  supervisor =
                      Objects.requireNonNull(
                          customizer.supervisor(name, supervisor),
                          "LifelineClientCustomizer.supervisor(..) returned null for " + name);
                }
                made.put(name, supervisor);
              }
            });
    if (properties.getShutdownTimeout().isNegative()) {
      mapper.problem(
          "lifeline.shutdown-timeout: must not be negative, was "
              + properties.getShutdownTimeout());
    }
    mapper.throwIfProblems();
    this.supervisors = Collections.unmodifiableMap(made);
    this.shutdownTimeout = properties.getShutdownTimeout();
    this.keepAlive = properties.isKeepAlive() && !made.isEmpty();
  }

  /** The supervisor of client {@code name}. */
  Supervisor supervisor(String name) {
    Supervisor supervisor = supervisors.get(name);
    if (supervisor == null) {
      throw new IllegalArgumentException(
          "no client \"" + name + "\" in lifeline.clients, only " + supervisors.keySet());
    }
    return supervisor;
  }

  /** The names of the clients configured. */
  Set<String> names() {
    return supervisors.keySet();
  }

  /** The connection of client {@code name}, made on the first call. */
  synchronized SupervisedConnection connection(String name) {
    return connections.computeIfAbsent(name, n -> supervisor(n).connection());
  }

  /**
   * Starts; with clients configured (and {@code lifeline.keep-alive}, the default) also one
   * non-daemon thread that only waits for the stop, since Reactor Netty's threads are daemons: an
   * application with clients and no web server would otherwise exit as soon as it started.
   */
  @Override
  public synchronized void start() {
    running = true;
    if (keepAlive && keepingAlive == null) {
      Thread thread = new Thread(this::waitForStop, "lifeline-keep-alive");
      thread.setDaemon(false);
      keepingAlive = thread;
      thread.start();
    }
  }

  private synchronized void waitForStop() {
    while (running) {
      try {
        wait();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Whether the keep-alive thread runs now, for tests. */
  synchronized boolean keepingAlive() {
    return keepingAlive != null && keepingAlive.isAlive();
  }

  @Override
  public void stop() {
    close().block();
  }

  /**
   * Closes every connection made (1000), in parallel, and runs {@code callback} when all are closed
   * or the shutdown timeout passed, whichever comes first.
   */
  @Override
  public void stop(Runnable callback) {
    close().subscribe(null, e -> callback.run(), callback);
  }

  private Mono<Void> close() {
    List<SupervisedConnection> open;
    synchronized (this) {
      running = false;
      keepingAlive = null;
      notifyAll(); // the keep-alive thread ends
      open = new ArrayList<>(connections.values());
    }
    List<Mono<Void>> closes = new ArrayList<>();
    for (SupervisedConnection connection : open) {
      closes.add(connection.close().onErrorResume(e -> Mono.empty()));
    }
    return Mono.when(closes)
        .timeout(shutdownTimeout, Mono.fromRunnable(() -> giveUp(open)))
        .onErrorResume(e -> Mono.empty());
  }

  private void giveUp(List<SupervisedConnection> open) {
    for (SupervisedConnection connection : open) {
      if (!connection.state().isTerminal()) {
        log.warn(
            "Lifeline client {} did not close within lifeline.shutdown-timeout ({} ms): it is {}"
                + " and is abandoned; raise the timeout if its server answers closes slowly",
            connection.name(),
            shutdownTimeout.toMillis(),
            connection.state());
      }
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return running;
  }

  /** Stops before the web server (a lower phase): the clients' closes still reach their peers. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }

  @Override
  public String toString() {
    return "LifelineClients" + supervisors.keySet();
  }
}
