package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A transport whose frames' {@code cancel()} throws (a bug in it, or a Netty channel that already
 * left its event loop) must not stop supervision from ending: cancelling {@code inbound()} still
 * ends it, and {@code close()} completes.
 */
class ATransportThatThrowsOnCancelTest {

  /** One connection whose inbound never sends and throws when cancelled. */
  private static final class Throwing implements Transport {
    volatile boolean cancelled;

    @Override
    public Mono<Connection> connect(Publisher<Frame> outbound) {
      return Mono.just(
          new Connection() {
            volatile boolean disposed;

            @Override
            public Flux<Frame> inbound() {
              return new Flux<>() {
                @Override
                public void subscribe(CoreSubscriber<? super Frame> actual) {
                  actual.onSubscribe(
                      new Subscription() {
                        @Override
                        public void request(long n) {}

                        @Override
                        public void cancel() {
                          cancelled = true;
                          throw new IllegalStateException(
                              "channel not registered to an event loop");
                        }
                      });
                }
              };
            }

            @Override
            public Mono<Void> close(Frame.Close frame) {
              return Mono.fromRunnable(() -> disposed = true);
            }

            @Override
            public void dispose() {
              disposed = true;
            }

            @Override
            public boolean isDisposed() {
              return disposed;
            }
          });
    }
  }

  @Test
  void cancellingInboundEndsSupervisionAndCloseCompletes() {
    Throwing transport = new Throwing();
    SupervisedConnection connection =
        Supervisor.create(transport).scheduler(VirtualTimeScheduler.create()).connection();
    Disposable reading = connection.inbound().subscribe();
    assertThat(connection.state()).isEqualTo(ConnectionState.CONNECTED);

    reading.dispose();

    assertThat(transport.cancelled).isTrue();
    assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
    connection.close().block(Duration.ofSeconds(1));
  }
}
