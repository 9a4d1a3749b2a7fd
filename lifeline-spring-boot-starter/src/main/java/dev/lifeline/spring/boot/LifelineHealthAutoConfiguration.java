package dev.lifeline.spring.boot;

import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ServerSupervisor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Lifeline in the health endpoint, as {@code lifeline}: {@code clients.<bean name>} for each
 * supervised connection bean (see {@link ClientHealthIndicator}; {@code lifeline.health.down-after}
 * sets how long reconnecting stays UP) and {@code server} with the endpoint's connection and
 * session counts. Off with {@code management.health.lifeline.enabled=false}.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = {LifelineAutoConfiguration.class, LifelineServerAutoConfiguration.class})
@ConditionalOnClass(HealthIndicator.class)
public class LifelineHealthAutoConfiguration {

  /** The {@code lifeline} health contributor. */
  // on the method, not the class: its condition lives in spring-boot-health, which the class's
  // @ConditionalOnClass must have found first
  @Bean
  @ConditionalOnEnabledHealthIndicator("lifeline")
  @ConditionalOnMissingBean(name = "lifelineHealthContributor")
  LifelineHealthContributor lifelineHealthContributor(
      ListableBeanFactory beans, LifelineProperties properties) {
    Map<String, HealthContributor> parts = new LinkedHashMap<>();
    Map<String, ClientHealthIndicator> clients = new LinkedHashMap<>();
    beans
        .getBeansOfType(SupervisedConnection.class)
        .forEach(
            (name, connection) ->
                clients.put(
                    name,
                    new ClientHealthIndicator(
                        connection, properties.getHealth().getDownAfter(), System::nanoTime)));
    if (!clients.isEmpty()) {
      parts.put("clients", CompositeHealthContributor.fromMap(clients));
    }
    beans
        .getBeanProvider(ServerSupervisor.class)
        .ifUnique(
            server ->
                parts.put(
                    "server",
                    (HealthIndicator)
                        () ->
                            Health.up()
                                .withDetail("connections", server.connections())
                                .withDetail("sessions", server.sessions())
                                .build()));
    return new LifelineHealthContributor(parts, clients);
  }

  /** The composite, which stops watching the clients' states when the context closes. */
  static final class LifelineHealthContributor
      implements CompositeHealthContributor, DisposableBean {
    private final CompositeHealthContributor parts;
    private final Map<String, ClientHealthIndicator> clients;

    LifelineHealthContributor(
        Map<String, HealthContributor> parts, Map<String, ClientHealthIndicator> clients) {
      this.parts = CompositeHealthContributor.fromMap(parts);
      this.clients = clients;
    }

    @Override
    public HealthContributor getContributor(String name) {
      return parts.getContributor(name);
    }

    @Override
    public java.util.stream.Stream<HealthContributors.Entry> stream() {
      return parts.stream();
    }

    @Override
    public void destroy() {
      clients.values().forEach(ClientHealthIndicator::dispose);
    }
  }
}
