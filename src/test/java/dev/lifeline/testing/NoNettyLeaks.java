package dev.lifeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test when Netty's leak detector reported a leaked buffer during it. Surefire runs the
 * detector on {@code paranoid}, so every buffer is tracked; after each test this collects garbage
 * and allocates a few buffers, which makes the detector report what was collected unreleased.
 */
public final class NoNettyLeaks implements BeforeEachCallback, AfterEachCallback {

  private static final Reports REPORTS = new Reports();

  static {
    Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    REPORTS.setContext(logger.getLoggerContext());
    REPORTS.start();
    logger.addAppender(REPORTS);
  }

  /** The leak reports so far, after forcing the detector to look; clears them. */
  public static List<String> collectReports() {
    for (int round = 0; round < 3; round++) {
      System.gc();
      for (int i = 0; i < 64; i++) {
        ByteBuf pooled = PooledByteBufAllocator.DEFAULT.buffer(16);
        ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
        pooled.release();
        unpooled.release();
      }
    }
    return REPORTS.drain();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    collectReports(); // earlier tests' garbage is not this test's fault
  }

  @Override
  public void afterEach(ExtensionContext context) {
    assertThat(collectReports()).as("Netty leak reports").isEmpty();
  }

  private static final class Reports extends AppenderBase<ILoggingEvent> {
    private final List<String> reports = new ArrayList<>();

    @Override
    protected synchronized void append(ILoggingEvent event) {
      if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
        reports.add(event.getFormattedMessage());
      }
    }

    synchronized List<String> drain() {
      List<String> drained = new ArrayList<>(reports);
      reports.clear();
      return drained;
    }
  }
}
