package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * lifeline-core on its own: these tests run on the module path, as the module {@code dev.lifeline},
 * with neither Netty nor Reactor Netty anywhere (the build's enforcer rule bans them from this
 * module in every scope), and a supervisor works over a transport written on reactor-core alone.
 */
class CoreWithoutNettyTest {

  @Test
  void theCoreIsTheNamedModuleDevLifelineAndExportsOnlyItsApi() {
    Module core = Supervisor.class.getModule();
    assertThat(core.isNamed()).as("lifeline-core on the module path").isTrue();
    assertThat(core.getName()).isEqualTo("dev.lifeline");
    assertThat(core.getDescriptor().exports())
        .anySatisfy(
            e -> {
              assertThat(e.source()).isEqualTo("dev.lifeline");
              assertThat(e.isQualified()).isFalse();
            })
        .anySatisfy(
            e -> {
              assertThat(e.source()).isEqualTo("dev.lifeline.internal");
              assertThat(e.targets())
                  .containsExactlyInAnyOrder("dev.lifeline.netty", "dev.lifeline.cli");
            });
  }

  @Test
  void neitherNettyNorReactorNettyIsPresent() {
    assertThatThrownBy(() -> Class.forName("io.netty.buffer.ByteBuf"))
        .isInstanceOf(ClassNotFoundException.class);
    assertThatThrownBy(() -> Class.forName("reactor.netty.Connection"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void aSupervisorEchoesOverATransportWrittenOnReactorCoreAlone() {
    SupervisedConnection connection =
        Supervisor.create(new LoopbackTransport()).name("loop").connection();

    List<String> echoed =
        connection
            .inbound()
            .doOnSubscribe(
                s -> connection.send(Flux.just("a", "b", "c").map(Frame::text)).subscribe())
            .cast(Frame.Text.class)
            .map(Frame.Text::text)
            .take(3)
            .collectList()
            .block(Duration.ofSeconds(10));

    assertThat(echoed).containsExactly("a", "b", "c");
    assertThat(connection.name()).isEqualTo("loop");
    connection.close().block(Duration.ofSeconds(10));
    assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
  }

  /** Reads back every text frame it is given to write: an echo peer with no network. */
  private static final class LoopbackTransport implements Transport {
    @Override
    public Mono<Connection> connect(Publisher<Frame> outbound) {
      return Mono.fromSupplier(
          () -> {
            Sinks.Empty<Void> closed = Sinks.empty();
            Flux<Frame> echo =
                Flux.from(outbound)
                    .ofType(Frame.Text.class)
                    .cast(Frame.class)
                    .takeUntilOther(closed.asMono());
            return new Connection() {
              @Override
              public Flux<Frame> inbound() {
                return echo;
              }

              @Override
              public Mono<Void> close(Frame.Close frame) {
                return Mono.fromRunnable(closed::tryEmitEmpty);
              }

              @Override
              public void dispose() {
                closed.tryEmitEmpty();
              }
            };
          });
    }
  }
}
