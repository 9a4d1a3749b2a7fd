/**
 * The {@code lifeline} command: {@code demo}, {@code connect} and {@code serve}. Not API; its
 * package is open for picocli's reflection and for logback to read its configuration.
 */
module dev.lifeline.cli {
  requires dev.lifeline;
  requires dev.lifeline.netty;
  requires dev.lifeline.testing;
  requires info.picocli;
  requires io.netty.transport;
  requires org.slf4j;

  opens dev.lifeline.cli;
}
