/**
 * Test support: {@link dev.lifeline.testing.InMemoryTransport}, a scripted transport for virtual
 * time, and {@link dev.lifeline.testing.FaultProxy}, a user-space proxy that injects network
 * faults.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@link
 * org.jspecify.annotations.Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.lifeline.testing;

import org.jspecify.annotations.NullMarked;
