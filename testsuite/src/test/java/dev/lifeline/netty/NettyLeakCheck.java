package dev.lifeline.netty;

import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails every test after which Netty's leak detector (on {@code paranoid} in the build) reports a
 * {@code ByteBuf} that was garbage-collected without being released. Registered for every test
 * class through JUnit's extension autodetection ({@code META-INF/services}).
 *
 * <p>A leak is found when the buffer is collected, which may be a test or two after the one that
 * leaked; the message says so.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterEachCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!LeakRecorder.attached()) {
      throw new IllegalStateException(
          "the LEAKS appender is missing from logback-test.xml: Netty buffer leaks would go"
              + " unnoticed");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    LeakRecorder.collectAndChurn();
    List<String> leaks = LeakRecorder.reports();
    if (!leaks.isEmpty()) {
      LeakRecorder.clear();
      throw new AssertionError(
          leaks.size()
              + " Netty buffer leak(s) reported after "
              + context.getDisplayName()
              + " (the leak may come from this test or one shortly before it):\n"
              + String.join("\n\n", leaks));
    }
  }
}
