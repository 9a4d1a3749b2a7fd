package dev.lifeline.netty;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * A Logback appender, attached to {@code io.netty.util.ResourceLeakDetector} in {@code
 * logback-test.xml}, that keeps every LEAK report Netty's detector logs until a test takes it.
 */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {
  private static final List<String> reports = new ArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    String message = event.getFormattedMessage();
    if (message != null && message.contains("LEAK")) {
      synchronized (reports) {
        reports.add(message);
      }
    }
  }

  /**
   * Lets the garbage collector find unreleased buffers and Netty's detector report them: the
   * detector looks at collected buffers only when a new buffer is allocated, so this collects, then
   * allocates and releases a few buffers from each allocator.
   */
  public static void collectAndChurn() {
    System.gc();
    for (int i = 0; i < 16; i++) {
      ByteBufAllocator.DEFAULT.buffer(32).release();
      ByteBufAllocator.DEFAULT.heapBuffer(32).release();
      Unpooled.buffer(32).release();
      Unpooled.directBuffer(32).release();
    }
  }

  /** The reports recorded so far. */
  public static List<String> reports() {
    synchronized (reports) {
      return new ArrayList<>(reports);
    }
  }

  /** Forgets every recorded report. */
  public static void clear() {
    synchronized (reports) {
      reports.clear();
    }
  }

  /** Whether the appender is attached (logback-test.xml was read). */
  static boolean attached() {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
    return logger.getAppender("LEAKS") instanceof LeakRecorder;
  }
}
