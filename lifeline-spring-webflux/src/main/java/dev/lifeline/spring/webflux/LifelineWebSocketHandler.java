package dev.lifeline.spring.webflux;

import dev.lifeline.netty.ServerConnection;
import dev.lifeline.netty.ServerSupervisor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A supervised WebSocket endpoint for a Spring WebFlux application: each request it handles is
 * upgraded by {@link ServerSupervisor#upgrade(Function, String...)}, exactly as on a Reactor Netty
 * route, so its clients get everything the supervisor does there — heartbeat answers, server
 * heartbeats and the closing of dead clients, resume sessions for clients that offer {@code
 * lifeline.resume.v1}, {@link dev.lifeline.netty.ServerEvent}s and {@link
 * ServerSupervisor#drain(java.time.Duration)}.
 *
 * <pre>{@code
 * @Bean
 * HandlerMapping echoEndpoint(ServerSupervisor supervisor) {
 *   return LifelineWebSocketHandler.mapping(
 *       "/ws", LifelineWebSocketHandler.create(supervisor, c -> c.send(c.inbound())));
 * }
 * }</pre>
 *
 * <p>It is a {@link WebHandler}, which WebFlux's default {@code SimpleHandlerAdapter} runs for any
 * handler mapping; {@link #mapping(String, LifelineWebSocketHandler)} makes one. A request that is
 * not a WebSocket upgrade gets 404, as on Reactor Netty's {@code routes.ws}.
 *
 * <p>It needs WebFlux on Reactor Netty, the server {@code spring-boot-starter-webflux} brings: the
 * supervisor watches every frame in the Netty pipeline. On another server (Tomcat, Jetty, Undertow)
 * every request fails with 500 and an {@link IllegalStateException} that says so.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.2.0
 */
public final class LifelineWebSocketHandler implements WebHandler {

  private final ServerSupervisor supervisor;
  private final List<String> subprotocols;
  private final BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> upgrade;

  private LifelineWebSocketHandler(
      ServerSupervisor supervisor,
      Function<ServerConnection, Publisher<Void>> application,
      String[] subprotocols) {
    this.supervisor = supervisor;
    this.subprotocols = List.of(subprotocols);
    this.upgrade = supervisor.upgrade(application, subprotocols);
  }

  /**
   * An endpoint that supervises each connection with {@code supervisor} and hands it to {@code
   * application}; the connection closes when the publisher {@code application} returns terminates.
   * With resume on the supervisor, {@code application} runs once per session.
   *
   * @param subprotocols the application's own subprotocols, if any: the first one a client offers
   *     is selected (see {@link ServerSupervisor#upgrade(Function, String...)} for how they combine
   *     with resume)
   * @since 0.2.0
   */
  public static LifelineWebSocketHandler create(
      ServerSupervisor supervisor,
      Function<ServerConnection, Publisher<Void>> application,
      String... subprotocols) {
    Objects.requireNonNull(supervisor, "supervisor");
    Objects.requireNonNull(application, "application");
    for (String subprotocol : Objects.requireNonNull(subprotocols, "subprotocols")) {
      if (subprotocol == null || subprotocol.isBlank()) {
        throw new IllegalArgumentException(
            "subprotocols must not be blank, were " + Arrays.toString(subprotocols));
      }
    }
    return new LifelineWebSocketHandler(supervisor, application, subprotocols.clone());
  }

  /**
   * A handler mapping that routes {@code path} (a WebFlux path pattern such as {@code "/ws"}) to
   * {@code handler}, ordered before WebFlux's annotated controllers ({@code -1}), for a
   * {@code @Bean} of type {@link HandlerMapping}.
   *
   * @since 0.2.0
   */
  public static HandlerMapping mapping(String path, LifelineWebSocketHandler handler) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(handler, "handler");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "a WebSocket path must start with '/', was \"" + path + "\"");
    }
    return new SimpleUrlHandlerMapping(Map.of(path, handler), -1);
  }

  /**
   * The supervisor of this endpoint's connections.
   *
   * @since 0.2.0
   */
  public ServerSupervisor supervisor() {
    return supervisor;
  }

  /**
   * The application's own subprotocols this endpoint selects.
   *
   * @since 0.2.0
   */
  public List<String> subprotocols() {
    return subprotocols;
  }

  /**
   * Upgrades the request and serves the connection until it closes; a request that is not an
   * upgrade gets 404.
   */
  @Override
  public Mono<Void> handle(ServerWebExchange exchange) {
    ServerHttpRequest request = exchange.getRequest();
    ServerHttpResponse response = exchange.getResponse();
    Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
    Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
    if (!(nativeRequest instanceof HttpServerRequest in)
        || !(nativeResponse instanceof HttpServerResponse out)) {
      return Mono.error(
          new ResponseStatusException(
              HttpStatus.INTERNAL_SERVER_ERROR,
              "Lifeline's WebSocket endpoint needs Spring WebFlux on Reactor Netty, but this"
                  + " application runs on another server (its request is a "
                  + nativeRequest.getClass().getName()
                  + "): depend on spring-boot-starter-webflux without excluding"
                  + " spring-boot-starter-reactor-netty",
              new IllegalStateException("not a Reactor Netty server")));
    }
    // as WebFlux's own Reactor Netty upgrade does: commit first, so that the response's pre-commit
    // actions (headers set by filters) run, then upgrade on the native response
    return response.setComplete().then(Mono.defer(() -> Mono.from(upgrade.apply(in, out))));
  }

  @Override
  public String toString() {
    return "LifelineWebSocketHandler[" + supervisor + ", subprotocols=" + subprotocols + "]";
  }
}
