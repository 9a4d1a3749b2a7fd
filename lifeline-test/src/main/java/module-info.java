/**
 * Lifeline's test support, for test scope: {@link dev.lifeline.testing.InMemoryTransport} drives a
 * supervisor on virtual time, {@link dev.lifeline.testing.FaultProxy} puts network faults between
 * real sockets.
 */
module dev.lifeline.testing {
  requires transitive dev.lifeline;
  requires io.netty.buffer;
  requires io.netty.common;
  requires io.netty.transport;

  exports dev.lifeline.testing;
}
