/**
 * Micrometer metrics for supervised connections and servers: {@link
 * dev.lifeline.micrometer.LifelineMetrics}, in its own artifact ({@code lifeline-micrometer}), so
 * that nothing else in Lifeline touches Micrometer. Binding a server needs {@code lifeline-netty}
 * as well; binding a connection does not.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@link
 * org.jspecify.annotations.Nullable}.
 *
 * @since 0.2.0
 */
@NullMarked
package dev.lifeline.micrometer;

import org.jspecify.annotations.NullMarked;
