/**
 * Lifeline on Reactor Netty: {@link dev.lifeline.netty.WebSocketTransport}, the client transport,
 * and {@link dev.lifeline.netty.ServerSupervisor}, which supervises a Reactor Netty server's
 * WebSocket connections.
 */
module dev.lifeline.netty {
  requires transitive dev.lifeline;
  requires transitive reactor.netty.http;
  requires transitive reactor.netty.core;
  requires io.netty.buffer;
  requires io.netty.codec;
  // transitive: WebSocketTransport.headers(..) takes HttpHeaders, sslContext(..) an SslContext
  requires transitive io.netty.codec.http;
  requires io.netty.common;
  requires transitive io.netty.handler;
  requires io.netty.transport;
  requires org.slf4j;
  // Reactor Netty's jars are automatic modules, which declare none of the Netty modules they load:
  // these three make --module-path alone work (without them `lifeline demo` on the module path
  // fails with ClassNotFoundException for Http2Connection$Listener, DnsAddressResolverGroup).
  requires io.netty.codec.http2;
  requires io.netty.resolver.dns;
  requires io.netty.handler.proxy;

  exports dev.lifeline.netty;
}
