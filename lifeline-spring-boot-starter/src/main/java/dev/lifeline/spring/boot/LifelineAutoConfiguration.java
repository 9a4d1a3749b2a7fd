package dev.lifeline.spring.boot;

import dev.lifeline.Supervisor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Lifeline's clients: one {@code SupervisedConnection} bean per {@code lifeline.clients.<name>},
 * made with the {@link LifelineClientCustomizer} beans, closed with status 1000 when the context
 * stops.
 *
 * @since 0.2.0
 */
@AutoConfiguration
@ConditionalOnClass(Supervisor.class)
@EnableConfigurationProperties(LifelineProperties.class)
@Import(LifelineClientsRegistrar.class)
public class LifelineAutoConfiguration {

  /** The clients configured, and their lifecycle. */
  @Bean
  LifelineClients lifelineClients(
      LifelineProperties properties, ObjectProvider<LifelineClientCustomizer> customizers) {
    return new LifelineClients(properties, customizers.orderedStream().toList());
  }
}
