/**
 * Lifeline's Spring Boot auto-configuration: supervised clients from {@code lifeline.clients.*}, a
 * supervised WebFlux endpoint from {@code lifeline.server.*} and a {@link
 * dev.lifeline.spring.boot.LifelineServerHandler}, Micrometer meters and Actuator health.
 */
@NullMarked
package dev.lifeline.spring.boot;

import org.jspecify.annotations.NullMarked;
