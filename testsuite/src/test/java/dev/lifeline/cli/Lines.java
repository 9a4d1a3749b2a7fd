package dev.lifeline.cli;

import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** A writer that keeps what a command printed as lines, and lets a test wait for one. */
final class Lines extends Writer {
  private final StringBuilder partial = new StringBuilder();
  private final List<String> lines = new ArrayList<>();

  @Override
  public synchronized void write(char[] chars, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      char c = chars[i];
      if (c == '\n') {
        lines.add(partial.toString());
        partial.setLength(0);
        notifyAll();
      } else if (c != '\r') {
        partial.append(c);
      }
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}

  /** Every complete line so far. */
  synchronized List<String> all() {
    return List.copyOf(lines);
  }

  /** Waits up to {@code limit} for a line matching {@code condition}. */
  synchronized Optional<String> await(Predicate<String> condition, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    int checked = 0;
    while (true) {
      for (; checked < lines.size(); checked++) {
        if (condition.test(lines.get(checked))) {
          return Optional.of(lines.get(checked));
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  @Override
  public synchronized String toString() {
    return String.join("\n", lines) + (partial.isEmpty() ? "" : "\n" + partial);
  }
}
