package dev.lifeline.cli;

import java.io.InputStream;
import java.io.PrintWriter;

/**
 * The streams a command talks through: the process's own in {@link Main}, captured ones in tests.
 *
 * @param in lines to send ({@code connect})
 * @param out received frames, timelines and help
 * @param err events and error messages
 */
record Console(InputStream in, PrintWriter out, PrintWriter err) {

  /** Prints {@code line} on {@link #out()} and flushes it. */
  void out(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** Prints {@code line} on {@link #err()} and flushes it. */
  void err(String line) {
    synchronized (err) {
      err.println(line);
      err.flush();
    }
  }
}
