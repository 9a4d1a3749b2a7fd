package dev.lifeline.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * Reads which subprotocol the server selected in its 101 response, before Netty's handshaker checks
 * it. Netty refuses a response that selects none of the offered subprotocols; that is right for the
 * application's own (it asked for one), but Lifeline's {@code lifeline.resume.v1} is optional: a
 * server that does not select it must get today's connection, not a failed handshake. So when only
 * Lifeline's subprotocols were offered and the server selected none, the response is passed on as
 * if it had selected the first, and {@link #selected()} tells the truth.
 *
 * <p><b>Confined</b> to the channel's event loop until the handshake completes; {@link #selected()}
 * is read after that, on the same loop (Reactor Netty calls the handshake's handler there).
 */
final class SubprotocolReader extends ChannelInboundHandlerAdapter {
  static final String NAME = "lifeline.subprotocol";

  private final List<String> optional;
  private final boolean applicationOffersOwn;
  private String selected = "";

  SubprotocolReader(List<String> optional, boolean applicationOffersOwn) {
    this.optional = optional;
    this.applicationOffersOwn = applicationOffersOwn;
  }

  /** The subprotocol the server selected; empty if none. */
  String selected() {
    return selected;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse response) {
      if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
        String value = response.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        selected = value == null ? "" : value.trim();
        if (selected.isEmpty() && !applicationOffersOwn && !optional.isEmpty()) {
          response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, optional.get(0));
        }
      }
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }
}
