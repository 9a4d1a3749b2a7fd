package dev.lifeline.spring.boot;

import dev.lifeline.netty.ServerConnection;
import org.reactivestreams.Publisher;

/**
 * The application behind the supervised WebFlux endpoint: with a bean of this type, the starter
 * maps {@code lifeline.server.path} ({@code /ws} by default) to it under the {@code
 * ServerSupervisor} bean. Called once per connection, or once per session with resume; the
 * connection closes when the returned publisher terminates.
 *
 * <pre>{@code
 * @Bean
 * LifelineServerHandler echo() {
 *   return connection -> connection.send(connection.inbound());
 * }
 * }</pre>
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface LifelineServerHandler {

  /**
   * Serves {@code connection} until the returned publisher terminates.
   *
   * @since 0.2.0
   */
  Publisher<Void> handle(ServerConnection connection);
}
