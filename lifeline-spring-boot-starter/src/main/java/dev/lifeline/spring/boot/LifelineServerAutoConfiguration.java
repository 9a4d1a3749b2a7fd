package dev.lifeline.spring.boot;

import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.spring.webflux.LifelineWebSocketHandler;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.HandlerMapping;

/**
 * Lifeline's WebFlux endpoint: a {@link ServerSupervisor} bean from {@code lifeline.server.*}
 * (unless the application defines its own), and, when the application has a {@link
 * LifelineServerHandler} bean, {@code lifeline.server.path} mapped to it under that supervisor. At
 * shutdown the endpoint's clients are drained (closed with 1012) before the web server stops.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = LifelineAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({LifelineWebSocketHandler.class, HandlerMapping.class})
public class LifelineServerAutoConfiguration {

  /** The supervisor of the endpoint's connections, from {@code lifeline.server.*}. */
  @Bean
  @ConditionalOnMissingBean
  ServerSupervisor lifelineServerSupervisor(LifelineProperties properties) {
    PropertiesMapper mapper = new PropertiesMapper();
    ServerSupervisor supervisor = mapper.server(properties.getServer());
    mapper.throwIfProblems();
    return supervisor;
  }

  /** {@code lifeline.server.path} mapped to the application's handler. */
  @Bean
  @ConditionalOnBean(LifelineServerHandler.class)
  HandlerMapping lifelineHandlerMapping(
      ServerSupervisor supervisor,
      LifelineServerHandler application,
      LifelineProperties properties) {
    LifelineProperties.Server server = properties.getServer();
    return LifelineWebSocketHandler.mapping(
        server.getPath(),
        LifelineWebSocketHandler.create(
            supervisor, application::handle, server.getSubprotocols().toArray(String[]::new)));
  }

  /** Drains the endpoint's clients when the context stops. */
  @Bean
  ServerDrain lifelineServerDrain(ServerSupervisor supervisor, LifelineProperties properties) {
    return new ServerDrain(
        supervisor, properties.getServer().getDrainWindow(), properties.getShutdownTimeout());
  }
}
