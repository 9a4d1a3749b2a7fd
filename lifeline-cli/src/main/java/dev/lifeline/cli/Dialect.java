package dev.lifeline.cli;

import dev.lifeline.Heartbeat;

/** The heartbeat dialect chosen with {@code --dialect}. */
enum Dialect {
  /** RFC 6455 ping and pong control frames. */
  PING,
  /** Application text frames: {@code --ping-text}, answered by {@code --pong-text}. */
  TEXT;

  Heartbeat heartbeat(String pingText, String pongText) {
    return this == PING ? Heartbeat.ping() : Heartbeat.text(pingText, pongText);
  }
}
