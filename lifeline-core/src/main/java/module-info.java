/**
 * Lifeline's core: {@link dev.lifeline.Supervisor}, the connections it supervises, its events and
 * errors, and the {@link dev.lifeline.Transport} interface a transport implements. It needs
 * reactor-core and SLF4J only; the Reactor Netty transport is the module {@code
 * dev.lifeline.netty}.
 *
 * <p>The engine, {@code dev.lifeline.internal}, is not API: it is exported only to Lifeline's own
 * modules that build on it.
 */
module dev.lifeline {
  requires transitive reactor.core;
  requires transitive org.reactivestreams;
  requires transitive org.jspecify;
  requires org.slf4j;

  exports dev.lifeline;
  exports dev.lifeline.internal to
      dev.lifeline.netty,
      dev.lifeline.cli;
}
