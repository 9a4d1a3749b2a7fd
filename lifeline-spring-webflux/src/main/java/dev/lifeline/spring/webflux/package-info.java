/**
 * Lifeline on Spring WebFlux: {@link dev.lifeline.spring.webflux.LifelineWebSocketHandler} serves a
 * supervised WebSocket endpoint from a WebFlux application on Reactor Netty.
 */
@NullMarked
package dev.lifeline.spring.webflux;

import org.jspecify.annotations.NullMarked;
