package dev.lifeline.netty;

import dev.lifeline.Resume;
import java.util.ArrayList;
import java.util.List;

/**
 * Which resume subprotocol a resuming upgrade route selects from a client's offer (specification
 * section 2). Stateless.
 */
final class ResumeOffer {
  private ResumeOffer() {}

  /**
   * The resume subprotocol to select among the client's offer ({@code headers}, the values of its
   * {@code Sec-WebSocket-Protocol}), or null for the plain negotiation: the first offered {@code
   * lifeline.resume.v1+<p>} whose {@code <p>} is one of the application's {@code own}; otherwise
   * {@code lifeline.resume.v1} alone if offered and the client offers none of {@code own} (a client
   * without subprotocols of its own: the plain negotiation would select nothing, and Reactor Netty
   * would then not run the handler at all).
   */
  static String select(List<String> headers, List<String> own) {
    List<String> offered = new ArrayList<>();
    for (String header : headers) {
      for (String token : header.split(",")) {
        offered.add(token.trim());
      }
    }
    for (String token : offered) {
      if (token.startsWith(Resume.PROTOCOL + "+")
          && own.contains(token.substring(Resume.PROTOCOL.length() + 1))) {
        return token;
      }
    }
    if (offered.contains(Resume.PROTOCOL) && own.stream().noneMatch(offered::contains)) {
      return Resume.PROTOCOL;
    }
    return null;
  }
}
