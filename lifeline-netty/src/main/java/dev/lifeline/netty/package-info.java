/**
 * The Reactor Netty side: the client {@link dev.lifeline.netty.WebSocketTransport} and the server's
 * {@link dev.lifeline.netty.ServerSupervisor}.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@link
 * org.jspecify.annotations.Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.lifeline.netty;

import org.jspecify.annotations.NullMarked;
