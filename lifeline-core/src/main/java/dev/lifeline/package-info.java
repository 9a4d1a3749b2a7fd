/**
 * The supervisor: {@link dev.lifeline.Supervisor}, the {@link dev.lifeline.SupervisedConnection} it
 * makes, its {@link dev.lifeline.Heartbeat}, {@link dev.lifeline.Resume} and events, and the {@link
 * dev.lifeline.Transport} SPI.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@link
 * org.jspecify.annotations.Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.lifeline;

import org.jspecify.annotations.NullMarked;
