package dev.lifeline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionState;
import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.SupervisorClosedException;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.web.reactive.HandlerMapping;
import reactor.test.StepVerifier;
import reactor.util.retry.RetryBackoffSpec;

/** What the auto-configuration makes from properties and beans, and when it backs off. */
class LifelineAutoConfigurationTest {
  private static final AutoConfigurations LIFELINE =
      AutoConfigurations.of(
          LifelineAutoConfiguration.class,
          LifelineServerAutoConfiguration.class,
          LifelineMetricsAutoConfiguration.class,
          LifelineHealthAutoConfiguration.class);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(LIFELINE);

  /** The first {@code type} in {@code failure}'s cause chain; fails the test if there is none. */
  private static <T extends Throwable> T causeOf(Throwable failure, Class<T> type) {
    Throwable cause = failure;
    while (!type.isInstance(cause)) {
      assertThat(cause).as("a %s in the causes of %s", type.getSimpleName(), failure).isNotNull();
      cause = cause.getCause();
    }
    return type.cast(cause);
  }

  @Test
  void withoutPropertiesThereIsNoClientAndNoServer() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(SupervisedConnection.class);
          assertThat(context).doesNotHaveBean(ServerSupervisor.class);
          assertThat(context.getBean(LifelineClients.class).names()).isEmpty();
        });
  }

  @Test
  void eachClientIsASupervisedConnectionBeanNamedAfterItsKeyWithItsPropertiesApplied() {
    runner
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders",
            "lifeline.clients.orders.heartbeat.dialect=text",
            "lifeline.clients.orders.heartbeat.ping-text=ping?",
            "lifeline.clients.orders.heartbeat.pong-text=pong!",
            "lifeline.clients.orders.heartbeat.interval=30s",
            "lifeline.clients.orders.heartbeat.timeout=2s",
            "lifeline.clients.orders.heartbeat.unanswered-limit=3",
            "lifeline.clients.orders.retry.max-attempts=7",
            "lifeline.clients.orders.retry.delay=1500ms",
            "lifeline.clients.orders.outbound-buffer-capacity=64",
            "lifeline.clients.prices.url=wss://example.com/prices",
            "lifeline.clients.prices.resume.enabled=true",
            "lifeline.clients.prices.resume.replay-buffer-frames=100",
            "lifeline.clients.prices.retry.backoff=exponential",
            "lifeline.clients.prices.retry.max-delay=20s")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBeansOfType(SupervisedConnection.class))
                  .containsOnlyKeys("orders", "prices");
              SupervisedConnection orders = context.getBean("orders", SupervisedConnection.class);
              assertThat(orders.name()).isEqualTo("orders");
              assertThat(orders.state()).isEqualTo(ConnectionState.NEW);

              LifelineClients clients = context.getBean(LifelineClients.class);
              Supervisor supervisor = clients.supervisor("orders");
              assertThat(supervisor.heartbeat().interval()).isEqualTo(Duration.ofSeconds(30));
              assertThat(supervisor.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(2));
              assertThat(supervisor.heartbeat().unansweredLimit()).isEqualTo(3);
              assertThat(supervisor.heartbeat().newPing(1)).isEqualTo(Frame.text("ping?"));
              assertThat(supervisor.heartbeat().isPong(Frame.text("pong!"))).isTrue();
              assertThat(supervisor.outboundBufferCapacity()).isEqualTo(64);
              assertThat(supervisor.resume()).isNull();
              RetryBackoffSpec retry = (RetryBackoffSpec) supervisor.retry();
              assertThat(retry.maxAttempts).isEqualTo(7);
              assertThat(retry.minBackoff).isEqualTo(Duration.ofMillis(1500));

              Supervisor prices = clients.supervisor("prices");
              assertThat(prices.resume()).isNotNull();
              assertThat(prices.resume().replayBufferFrames()).isEqualTo(100);
              RetryBackoffSpec backoff = (RetryBackoffSpec) prices.retry();
              assertThat(backoff.maxBackoff).isEqualTo(Duration.ofSeconds(20));
              assertThat(backoff.jitterFactor).isEqualTo(0.5);
            });
  }

  @Test
  void impossiblePropertiesFailTheStartWithEveryProblemNamedByItsProperty() {
    runner
        .withPropertyValues(
            "lifeline.clients.orders.heartbeat.interval=30s",
            "lifeline.clients.prices.url=ws://localhost:9/prices",
            "lifeline.clients.prices.heartbeat.timeout=0s",
            "lifeline.clients.prices.retry.max-attempts=-1",
            "lifeline.clients.feed.url=http://localhost:9/feed")
        .run(
            context -> {
              assertThat(context).hasFailed();
              LifelinePropertiesException problems =
                  causeOf(context.getStartupFailure(), LifelinePropertiesException.class);
              assertThat(problems.problems()).hasSize(4);
              assertThat(problems.problems().get(0))
                  .isEqualTo(
                      "lifeline.clients.orders.url: required, the server's WebSocket URL"
                          + " (ws://host:port/path or wss://...)");
              assertThat(problems.problems().get(1))
                  .isEqualTo(
                      "lifeline.clients.prices.heartbeat.timeout: heartbeat timeout must be"
                          + " positive, was PT0S");
              assertThat(problems.problems().get(2))
                  .isEqualTo(
                      "lifeline.clients.prices.retry.max-attempts: must not be negative, was -1");
              assertThat(problems.problems().get(3)).startsWith("lifeline.clients.feed.url: ");
              assertThat(problems.getMessage())
                  .startsWith(
                      "4 problems in Lifeline's properties:\n - lifeline.clients.orders.url");

              FailureAnalysis analysis =
                  new LifelineFailureAnalyzer().analyze(context.getStartupFailure());
              assertThat(analysis.getDescription()).isEqualTo(problems.getMessage());
              assertThat(analysis.getAction()).contains("Correct the properties named above");
            });
  }

  @Test
  void aValueSpringCannotConvertGetsSpringsOwnBindingReportNamingTheProperty() {
    runner
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders",
            "lifeline.clients.orders.heartbeat.interval=soon")
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable failure =
                  causeOf(
                      context.getStartupFailure(),
                      org.springframework.boot.context.properties.bind.BindException.class);
              assertThat(failure)
                  .hasMessageContaining("lifeline.clients.orders.heartbeat.interval");
            });
  }

  @Test
  void anApplicationsOwnBeanOfAClientsNameIsUsedInstead() {
    SupervisedConnection own =
        Supervisor.create(WebSocketTransport.create("ws://localhost:9/own")).connection();
    runner
        .withBean("orders", SupervisedConnection.class, () -> own)
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders",
            "lifeline.clients.prices.url=ws://localhost:9/prices")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean("orders")).isSameAs(own);
              assertThat(context.getBean("prices", SupervisedConnection.class).name())
                  .isEqualTo("prices");
            });
  }

  @Test
  void customizersApplyToEveryClientInOrderAfterTheProperties() {
    List<String> transports = new ArrayList<>();
    runner
        .withBean(
            LifelineClientCustomizer.class,
            () ->
                new LifelineClientCustomizer() {
                  @Override
                  public WebSocketTransport transport(String name, WebSocketTransport transport) {
                    transports.add(name + " " + transport.uri());
                    return transport;
                  }

                  @Override
                  public Supervisor supervisor(String name, Supervisor supervisor) {
                    return supervisor.outboundBufferCapacity(7);
                  }
                })
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders",
            "lifeline.clients.orders.outbound-buffer-capacity=64")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(
                      context
                          .getBean(LifelineClients.class)
                          .supervisor("orders")
                          .outboundBufferCapacity())
                  .isEqualTo(7);
              assertThat(transports).containsExactly("orders ws://localhost:9/orders");
            });
  }

  @Test
  void theServerSupervisorIsMadeOnlyInAReactiveWebApplicationAndBacksOffForTheApplicationsOwn() {
    ReactiveWebApplicationContextRunner web =
        new ReactiveWebApplicationContextRunner().withConfiguration(LIFELINE);
    web.withPropertyValues(
            "lifeline.server.ping-clients.interval=20s", "lifeline.server.close-timeout=2s")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(ServerSupervisor.class);
              assertThat(context).doesNotHaveBean("lifelineHandlerMapping");
            });
    ServerSupervisor own = ServerSupervisor.builder().build();
    web.withBean(ServerSupervisor.class, () -> own)
        .withBean(LifelineServerHandler.class, () -> c -> c.send(c.inbound()))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(ServerSupervisor.class)).isSameAs(own);
              assertThat(context.getBean("lifelineHandlerMapping"))
                  .isInstanceOf(HandlerMapping.class);
            });
    web.withPropertyValues("lifeline.server.close-timeout=0s", "lifeline.server.path=ws")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .isInstanceOf(LifelinePropertiesException.class)
                    .hasMessage(
                        "2 problems in Lifeline's properties:\n"
                            + " - lifeline.server.close-timeout: close timeout must be positive,"
                            + " was PT0S\n"
                            + " - lifeline.server.path: must start with '/', was \"ws\""));
    // resume with a text heartbeat is reported in properties' words, with the other problems
    web.withPropertyValues(
            "lifeline.server.resume.enabled=true",
            "lifeline.server.ping-clients.dialect=text",
            "lifeline.server.close-timeout=0s")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .isInstanceOf(LifelinePropertiesException.class)
                    .hasMessage(
                        "2 problems in Lifeline's properties:\n"
                            + " - lifeline.server.close-timeout: close timeout must be positive,"
                            + " was PT0S\n"
                            + " - lifeline.server.ping-clients.dialect: must be ping with resume"
                            + " enabled (on a resume connection every text frame is data, so a"
                            + " text heartbeat would be counted as one), was text"));
  }

  @Test
  void aClientWithResumeAndATextHeartbeatIsReportedInPropertiesWords() {
    runner
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders",
            "lifeline.clients.orders.resume.enabled=true",
            "lifeline.clients.orders.heartbeat.dialect=text")
        .run(
            context ->
                assertThat(
                        causeOf(context.getStartupFailure(), LifelinePropertiesException.class)
                            .problems())
                    .containsExactly(
                        "lifeline.clients.orders.heartbeat.dialect: must be ping with resume"
                            + " enabled (on a resume connection every text frame is data, so a"
                            + " text heartbeat would be counted as one), was text"));
  }

  @Test
  void configuredClientsKeepTheApplicationRunningUntilTheContextCloses() {
    runner
        .withPropertyValues("lifeline.clients.orders.url=ws://localhost:9/orders")
        .run(
            context -> {
              LifelineClients clients = context.getBean(LifelineClients.class);
              assertThat(clients.keepingAlive()).isTrue();
              Thread keepAlive =
                  Thread.getAllStackTraces().keySet().stream()
                      .filter(t -> t.getName().equals("lifeline-keep-alive"))
                      .findFirst()
                      .orElseThrow();
              assertThat(keepAlive.isDaemon()).isFalse();
              context.close();
              keepAlive.join(10_000);
              assertThat(keepAlive.isAlive()).isFalse();
            });
    runner
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders", "lifeline.keep-alive=false")
        .run(
            context -> assertThat(context.getBean(LifelineClients.class).keepingAlive()).isFalse());
    runner.run(
        context -> assertThat(context.getBean(LifelineClients.class).keepingAlive()).isFalse());
  }

  @Test
  void withoutWebFluxMicrometerOrHealthOnTheClassPathOnlyTheirPartsBackOff() {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(LIFELINE)
        .withClassLoader(
            new FilteredClassLoader(
                "org.springframework.web.reactive.",
                "io.micrometer.core.",
                "org.springframework.boot.health."))
        .withPropertyValues("lifeline.clients.orders.url=ws://localhost:9/orders")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasBean("orders");
              assertThat(context).doesNotHaveBean(ServerSupervisor.class);
              assertThat(context).doesNotHaveBean("lifelineMeterBinder");
              assertThat(context).doesNotHaveBean("lifelineHealthContributor");
            });
  }

  @Test
  void healthReportsEachClientUnderItsBeanNameAndCanBeSwitchedOff() {
    runner
        .withPropertyValues("lifeline.clients.orders.url=ws://localhost:9/orders")
        .run(
            context -> {
              var lifeline =
                  context.getBean(
                      "lifelineHealthContributor",
                      org.springframework.boot.health.contributor.CompositeHealthContributor.class);
              var clients =
                  (org.springframework.boot.health.contributor.CompositeHealthContributor)
                      lifeline.getContributor("clients");
              var orders =
                  (org.springframework.boot.health.contributor.HealthIndicator)
                      clients.getContributor("orders");
              assertThat(orders.health().getStatus())
                  .isEqualTo(org.springframework.boot.health.contributor.Status.UNKNOWN);
              assertThat(lifeline.getContributor("server")).isNull();
            });
    runner
        .withPropertyValues(
            "lifeline.clients.orders.url=ws://localhost:9/orders",
            "management.health.lifeline.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("lifelineHealthContributor"));
  }

  @Test
  void metersAreBoundForEveryClientWhenMicrometerIsPresent() {
    runner
        .withPropertyValues("lifeline.clients.orders.url=ws://localhost:9/orders")
        .run(
            context -> {
              var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
              context.getBean(LifelineMeterBinder.class).bindTo(registry);
              assertThat(
                      registry
                          .get("lifeline.outbound.queued")
                          .tag("connection", "orders")
                          .gauge()
                          .value())
                  .isEqualTo(0.0);
              context
                  .getBean("orders", SupervisedConnection.class)
                  .send(Frame.text("x"))
                  .subscribe();
              assertThat(
                      registry
                          .get("lifeline.outbound.queued")
                          .tag("connection", "orders")
                          .gauge()
                          .value())
                  .isEqualTo(1.0);
            });
  }

  @Test
  void closingTheContextClosesItsClientsAndFailsLaterSends() {
    runner
        .withPropertyValues("lifeline.clients.orders.url=ws://localhost:9/orders")
        .run(
            context -> {
              SupervisedConnection orders = context.getBean("orders", SupervisedConnection.class);
              context.close();
              assertThat(orders.state()).isEqualTo(ConnectionState.CLOSED);
              StepVerifier.create(orders.send(Frame.text("late")))
                  .expectError(SupervisorClosedException.class)
                  .verify(Duration.ofSeconds(5));
            });
  }
}
