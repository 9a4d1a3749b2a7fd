package dev.lifeline.cli;

import dev.lifeline.Heartbeat;
import picocli.CommandLine.Option;

/**
 * The text dialect's {@code --ping-text} and {@code --pong-text}, shared by every command that
 * takes a {@code --dialect}; mixed in right after that option so the help lists them together.
 */
final class TextDialectOptions {

  @Option(
      names = "--ping-text",
      paramLabel = "<text>",
      defaultValue = "heart_beat",
      description = "The text dialect's heartbeat (default: ${DEFAULT-VALUE}).")
  String pingText;

  @Option(
      names = "--pong-text",
      paramLabel = "<text>",
      defaultValue = "ok",
      description = "The text dialect's answer (default: ${DEFAULT-VALUE}).")
  String pongText;

  /** The heartbeat of {@code dialect}, with these texts when it is the text dialect. */
  Heartbeat heartbeat(Dialect dialect) {
    return dialect.heartbeat(pingText, pongText);
  }
}
