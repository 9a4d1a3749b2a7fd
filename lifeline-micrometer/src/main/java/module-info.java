/**
 * Lifeline's Micrometer metrics: {@link dev.lifeline.micrometer.LifelineMetrics}. Binding a server
 * needs the module {@code dev.lifeline.netty}; binding a connection does not.
 */
module dev.lifeline.micrometer {
  requires transitive dev.lifeline;
  requires transitive micrometer.core;
  requires static dev.lifeline.netty;

  exports dev.lifeline.micrometer;
}
