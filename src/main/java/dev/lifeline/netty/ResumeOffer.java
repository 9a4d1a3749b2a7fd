package dev.lifeline.netty;

import dev.lifeline.Resume;
import java.util.List;

/**
 * Which resume subprotocol a resuming upgrade route selects from a client's offer (specification
 * section 2): {@code lifeline.resume.v1} alone for an application without subprotocols of its own,
 * else {@code lifeline.resume.v1+<own>}. Stateless.
 */
final class ResumeOffer {
  private ResumeOffer() {}

  /**
   * The resume subprotocol to select among the client's offer, or null: {@code lifeline.resume.v1}
   * alone when the application has no subprotocol of its own, otherwise the first offered {@code
   * lifeline.resume.v1+<own>} whose {@code <own>} is one of {@code own}.
   */
  static String select(List<String> headers, List<String> own) {
    for (String header : headers) {
      for (String token : header.split(",")) {
        String offered = token.trim();
        if (own.isEmpty()
            ? offered.equals(Resume.PROTOCOL)
            : Resume.isSelected(offered)
                && own.contains(
                    offered.substring(Math.min(offered.length(), Resume.PROTOCOL.length() + 1)))) {
          return offered;
        }
      }
    }
    return null;
  }
}
