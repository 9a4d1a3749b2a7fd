package dev.lifeline.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import org.jetbrains.kotlinx.lincheck.strategy.managed.modelchecking.ModelCheckingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection's serial context under Lincheck: its model checker runs the operations below on
 * three threads and explores their interleavings at every shared-memory access the mailbox makes,
 * instead of hoping a real run hits the bad one. After each run it validates what the engine relies
 * on: every input ran exactly once, never two at a time, a task queued from inside ran after the
 * current one and not nested in it, all demand was handed over, and the mailbox is idle.
 *
 * <p>Lincheck's stress mode is not used: after the model checker, its class redefinition fails
 * beside BlockHound in the same JVM; {@link MailboxStressTest} is the real-thread version.
 *
 * <p>The state the tasks touch is plain fields, as the connection's is, so an overlap shows as a
 * wrong count; {@code busy} and {@code depth} catch it directly. The model checker assumes
 * sequentially consistent memory, so it cannot show a missing fence: that is {@link
 * MailboxStressTest}'s part, on real threads.
 */
public class MailboxLincheckTest {
  private final Mailbox mailbox = new Mailbox(this::demanded, "lincheck");
  private final AtomicInteger submitted = new AtomicInteger();
  private final AtomicLong requested = new AtomicLong();

  // inside the mailbox only (plain, as the connection's state)
  private int ran;
  private long handedOver;
  private boolean busy;
  private int depth;
  private int violations;

  private void demanded(long n) {
    enterTask();
    handedOver += n;
    leaveTask();
  }

  private void task() {
    enterTask();
    ran++;
    leaveTask();
  }

  private void enterTask() {
    if (busy || depth != 0) {
      violations++;
    }
    busy = true;
    depth++;
  }

  private void leaveTask() {
    depth--;
    busy = false;
  }

  /** A task from another thread: inline when no one is inside, queued otherwise. */
  @Operation
  public void execute() {
    submitted.incrementAndGet();
    mailbox.execute(this::task);
  }

  /** A frame's fast path: its own code inside, or a queued task when someone else is. */
  @Operation
  public void enterOrExecute() {
    submitted.incrementAndGet();
    if (mailbox.enter()) {
      try {
        task();
      } finally {
        mailbox.leave();
      }
    } else {
      mailbox.execute(this::task);
    }
  }

  /** A callback queued from inside: runs after the current task, never nested in it. */
  @Operation
  public void executeFromInside() {
    submitted.addAndGet(2);
    mailbox.execute(
        () -> {
          enterTask();
          ran++;
          mailbox.execute(this::task); // must not run here: depth would be 2
          leaveTask();
        });
  }

  /** The application's demand, summed without a task. */
  @Operation
  public void request() {
    requested.incrementAndGet();
    mailbox.request(1);
  }

  /** Checked after each run, once all threads have returned. */
  @Validate
  public void everyInputRanOnceAloneAndTheMailboxIsIdle() {
    if (!mailbox.enter()) {
      throw new IllegalStateException("the mailbox is not idle after every input returned");
    }
    try {
      if (violations != 0) {
        throw new IllegalStateException(violations + " inputs ran while another was inside");
      }
      if (ran != submitted.get()) {
        throw new IllegalStateException(ran + " tasks ran of " + submitted.get() + " submitted");
      }
      if (handedOver != requested.get()) {
        throw new IllegalStateException(
            handedOver + " demand handed over of " + requested.get() + " requested");
      }
    } finally {
      mailbox.leave();
    }
  }

  @Test
  @Timeout(120) // about 30 s on a 2-core machine: each interleaving runs instrumented
  void everyInterleavingTheModelCheckerExploresKeepsTheRule() {
    LinChecker.check(
        MailboxLincheckTest.class,
        new ModelCheckingOptions()
            .iterations(8)
            .invocationsPerIteration(200)
            .threads(3)
            .actorsPerThread(3));
  }
}
