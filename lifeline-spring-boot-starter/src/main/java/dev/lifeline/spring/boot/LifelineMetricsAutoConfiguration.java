package dev.lifeline.spring.boot;

import dev.lifeline.SupervisedConnection;
import dev.lifeline.micrometer.LifelineMetrics;
import dev.lifeline.netty.ServerSupervisor;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Lifeline's meters ({@code lifeline.*}, see {@link LifelineMetrics}) for every supervised
 * connection bean and the endpoint's supervisor, bound to the application's registries by Spring
 * Boot when Micrometer and {@code lifeline-micrometer} are present.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = {LifelineAutoConfiguration.class, LifelineServerAutoConfiguration.class})
@ConditionalOnClass({MeterRegistry.class, LifelineMetrics.class})
public class LifelineMetricsAutoConfiguration {

  /** Binds the connections and the supervisor to each registry. */
  @Bean
  LifelineMeterBinder lifelineMeterBinder(
      ObjectProvider<SupervisedConnection> connections,
      ObjectProvider<ServerSupervisor> servers,
      LifelineProperties properties) {
    return new LifelineMeterBinder(connections, servers, properties.getServer().getName());
  }
}
