package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.support.TrackingScheduler;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A finished supervised connection that the application still holds (in a registry, a field) keeps
 * none of its connections: after {@code close()} the last transport connection, with whatever
 * socket state it holds, can be collected.
 */
class NothingRetainedTest {

  @Test
  void closedConnectionIsNotRetainedBySupervisionThatEnded() {
    RememberingTransport transport = new RememberingTransport();
    SupervisedConnection connection =
        Supervisor.create(transport)
            .scheduler(new TrackingScheduler(VirtualTimeScheduler.create()))
            .connection();
    connection.inbound().subscribe();
    assertThat(transport.last.get()).isNotNull();

    connection.close().block(Duration.ofSeconds(10));

    assertThat(connection.isDisposed()).isTrue();
    assertCollected(transport.last);
  }

  private static void assertCollected(WeakReference<?> reference) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (reference.get() != null && System.nanoTime() < deadline) {
      System.gc();
      byte[][] pressure = new byte[64][];
      for (int i = 0; i < pressure.length; i++) {
        pressure[i] = new byte[16 * 1024];
      }
    }
    assertThat(reference.get()).as("the closed transport connection was collected").isNull();
  }

  /** Opens connections it references only weakly, so a test can tell who else holds them. */
  private static final class RememberingTransport implements Transport {
    volatile WeakReference<Connection> last = new WeakReference<>(null);

    @Override
    public Mono<Connection> connect(org.reactivestreams.Publisher<Frame> outbound) {
      return Mono.fromSupplier(
          () -> {
            Connection opened = new Open();
            last = new WeakReference<>(opened);
            return opened;
          });
    }
  }

  private static final class Open implements Transport.Connection {
    private final Sinks.Many<Frame> inbound = Sinks.many().unicast().onBackpressureBuffer();
    private final byte[] socketState = new byte[1024 * 1024];

    @Override
    public Flux<Frame> inbound() {
      return inbound.asFlux();
    }

    @Override
    public Mono<Void> close(Frame.Close frame) {
      return Mono.fromRunnable(inbound::tryEmitComplete);
    }

    @Override
    public void dispose() {
      inbound.tryEmitComplete();
    }

    @Override
    public boolean isDisposed() {
      return socketState.length == 0;
    }
  }
}
