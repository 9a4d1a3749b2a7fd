package dev.lifeline.spring.boot;

import dev.lifeline.Supervisor;
import dev.lifeline.netty.WebSocketTransport;

/**
 * Adjusts the clients made from {@code lifeline.clients.<name>} beyond what properties say: a
 * {@code Retry} of your own, a header computed at every reconnect (a refreshed token), a TLS
 * context. Every bean of this type is applied to every client, in {@code @Order}, after the
 * properties.
 *
 * <pre>{@code
 * @Bean
 * LifelineClientCustomizer freshToken(TokenSource tokens) {
 *   return new LifelineClientCustomizer() {
 *     public WebSocketTransport transport(String name, WebSocketTransport transport) {
 *       return transport.headers(h -> h.set("Authorization", "Bearer " + tokens.current()));
 *     }
 *   };
 * }
 * }</pre>
 *
 * @since 0.2.0
 */
public interface LifelineClientCustomizer {

  /**
   * The transport client {@code name} connects with; returns {@code transport} unchanged by
   * default.
   *
   * @since 0.2.0
   */
  default WebSocketTransport transport(String name, WebSocketTransport transport) {
    return transport;
  }

  /**
   * The supervisor client {@code name} is made from (its heartbeat, retry, buffer, scheduler,
   * resume); returns {@code supervisor} unchanged by default.
   *
   * @since 0.2.0
   */
  default Supervisor supervisor(String name, Supervisor supervisor) {
    return supervisor;
  }
}
