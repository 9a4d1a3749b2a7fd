package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A task that throws inside a mailbox is logged with its connection's name and dropped. (Here, not
 * in lifeline-core, whose tests run on the module path without reading Logback's module.)
 */
class MailboxDroppedTaskTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(Mailbox.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void capture() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void release() {
    logger.detachAppender(appender);
  }

  @Test
  void aTaskThatThrowsIsLoggedWithTheConnectionsNameAndTheNextOneStillRuns() {
    Mailbox mailbox = new Mailbox(n -> {}, "orders");
    List<String> ran = new ArrayList<>();

    mailbox.execute(
        () -> {
          mailbox.execute(() -> ran.add("queued behind the failure"));
          throw new IllegalStateException("application callback failed");
        });
    mailbox.execute(() -> ran.add("next"));

    assertThat(ran).containsExactly("queued behind the failure", "next");
    assertThat(appender.list).hasSize(1);
    ILoggingEvent line = appender.list.get(0);
    assertThat(line.getFormattedMessage())
        .isEqualTo("a task of connection orders threw; it is dropped and the connection goes on");
    assertThat(line.getKeyValuePairs())
        .singleElement()
        .satisfies(
            kv -> {
              assertThat(kv.key).isEqualTo("connection");
              assertThat(kv.value).isEqualTo("orders");
            });
    assertThat(line.getThrowableProxy().getMessage()).isEqualTo("application callback failed");
  }
}
