/**
 * Micrometer metrics for supervised connections and servers: {@link
 * dev.lifeline.micrometer.LifelineMetrics}. Needs {@code io.micrometer:micrometer-core} on the
 * classpath (an optional dependency of Lifeline); nothing else in Lifeline touches Micrometer.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless marked {@link
 * org.jspecify.annotations.Nullable}.
 *
 * @since 0.2.0
 */
@NullMarked
package dev.lifeline.micrometer;

import org.jspecify.annotations.NullMarked;
