package dev.lifeline.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The mailbox under producers on several threads at once, mixing every kind of input: tasks run one
 * at a time, each exactly once, in each producer's order; a task queued from inside runs after the
 * current one, not nested in it; demand is handed over in full; and the mailbox is idle at the end.
 * Checked on every round, not on most.
 *
 * <p>The state the tasks touch is plain fields, as the connection's is: if the mailbox let two
 * threads in at once, or failed to publish one thread's writes to the next one inside, the counts
 * would be off. An {@link AtomicInteger} of the threads inside catches an overlap directly.
 */
class MailboxStressTest {

  private static final int ROUNDS = 30;
  private static final int PRODUCERS = 4;
  private static final int INPUTS = 20_000;

  @Test
  void concurrentInputsRunOneAtATimeExactlyOnceInEachProducersOrder() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Round r = new Round(round);
      r.run();

      assertThat(r.violations).as("round %d: violations seen", round).isEmpty();
      assertThat(r.overlaps.get()).as("round %d: times two were inside at once", round).isZero();
      for (int p = 0; p < PRODUCERS; p++) {
        // next[p] is the sequence number the next task of p must carry: all ran, none twice
        assertThat(r.next[p])
            .as("round %d: tasks of producer %d run, in order", round, p)
            .isEqualTo(r.units[p]);
        assertThat(r.nestedRan[p])
            .as("round %d: tasks queued from inside by producer %d's tasks, run", round, p)
            .isEqualTo(r.nestedQueued[p])
            .isEqualTo(r.reentering[p]);
      }
      long units = 0;
      long requested = 0;
      for (int p = 0; p < PRODUCERS; p++) {
        units += r.units[p] + r.reentering[p];
        requested += r.requested[p];
      }
      assertThat(r.ranInside).as("round %d: tasks run (a plain counter)", round).isEqualTo(units);
      assertThat(r.demanded).as("round %d: demand handed over", round).isEqualTo(requested);
      assertThat(r.inside.get()).as("round %d: threads inside at the end", round).isZero();

      // idle: a last task runs inline, on this thread, and enter() succeeds
      Thread[] ranOn = new Thread[1];
      r.mailbox.execute(() -> ranOn[0] = Thread.currentThread());
      assertThat(ranOn[0])
          .as("round %d: the thread the last task ran on", round)
          .isSameAs(Thread.currentThread());
      assertThat(r.mailbox.isInside()).isFalse();
      assertThat(r.mailbox.enter()).as("round %d: enter() when idle", round).isTrue();
      assertThat(r.mailbox.isInside()).isTrue();
      r.mailbox.leave();
      assertThat(r.mailbox.isInside()).isFalse();
    }
  }

  /** One round: a fresh mailbox, its producers, and what they and the tasks recorded. */
  private static final class Round {
    final int round;
    final Mailbox mailbox;

    /** Threads inside right now: more than one is an overlap. */
    final AtomicInteger inside = new AtomicInteger();

    final AtomicInteger overlaps = new AtomicInteger();

    /** The first few things that went wrong, from any thread (tasks' exceptions are swallowed). */
    final Queue<String> violations = new ConcurrentLinkedQueue<>();

    final AtomicInteger violationCount = new AtomicInteger();

    // ---- touched only inside: plain ----
    final int[] next = new int[PRODUCERS];
    final int[] nestedQueued = new int[PRODUCERS];
    final int[] nestedRan = new int[PRODUCERS];
    long ranInside;
    long demanded;

    /** Tasks currently on the stack of the thread inside: more than one is a nested run. */
    int depth;

    // ---- written by each producer for itself, read after join ----
    final int[] units = new int[PRODUCERS];
    final int[] reentering = new int[PRODUCERS];
    final long[] requested = new long[PRODUCERS];

    Round(int round) {
      this.round = round;
      this.mailbox = new Mailbox(this::onDemand, "stress");
    }

    void run() throws Exception {
      CyclicBarrier start = new CyclicBarrier(PRODUCERS);
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < PRODUCERS; p++) {
        int producer = p;
        Thread thread =
            new Thread(() -> produce(producer, start), "mailbox-producer-" + round + "-" + p);
        thread.setDaemon(true); // a broken mailbox must not keep the JVM alive
        producers.add(thread);
      }
      producers.forEach(Thread::start);
      for (Thread producer : producers) {
        producer.join(10_000);
        assertThat(producer.isAlive()).as("round %d: %s still running", round, producer).isFalse();
      }
    }

    private void produce(int p, CyclicBarrier start) {
      try {
        start.await(10, TimeUnit.SECONDS);
        SplittableRandom random = new SplittableRandom(31L * round + p);
        int seq = 0;
        for (int i = 0; i < INPUTS; i++) {
          if (mailbox.isInside()) {
            violation("producer %d outside believes it is inside", p);
          }
          int kind = random.nextInt(8);
          if (kind < 3) {
            int s = seq++;
            mailbox.execute(() -> unit(p, s));
          } else if (kind < 5) {
            int s = seq++;
            if (mailbox.enter()) {
              try {
                unit(p, s);
              } finally {
                mailbox.leave();
              }
            } else {
              mailbox.execute(() -> unit(p, s));
            }
          } else if (kind < 7) {
            long n = 1 + random.nextInt(5);
            requested[p] += n;
            mailbox.request(n);
          } else {
            int s = seq++;
            reentering[p]++;
            mailbox.execute(() -> reentering(p, s));
          }
        }
        units[p] = seq;
        if (mailbox.isInside()) {
          violation("producer %d believes it is inside after its last input", p);
        }
      } catch (Throwable e) {
        violation("producer %d threw %s", p, e);
      }
    }

    /** A task of producer {@code p} carrying its sequence number {@code s}. */
    private void unit(int p, int s) {
      begin("task of producer " + p);
      if (next[p] != s) {
        violation("producer %d: task %d ran when %d was due", p, s, next[p]);
      }
      next[p] = s + 1;
      ranInside++;
      end();
    }

    /** A task that queues another from inside: the other must run after this one, not in it. */
    private void reentering(int p, int s) {
      unit(p, s);
      begin("re-entering task of producer " + p);
      boolean[] ran = new boolean[1];
      boolean[] finished = new boolean[1];
      nestedQueued[p]++;
      mailbox.execute(
          () -> {
            begin("task queued from inside");
            if (!finished[0]) {
              violation("producer %d: a task queued from inside ran before its parent ended", p);
            }
            if (ran[0]) {
              violation("producer %d: a task queued from inside ran twice", p);
            }
            ran[0] = true;
            nestedRan[p]++;
            ranInside++;
            end();
          });
      if (ran[0]) {
        violation("producer %d: a task queued from inside ran nested in its parent", p);
      }
      if (mailbox.enter()) {
        violation("producer %d: enter() succeeded from inside", p);
        mailbox.leave();
      }
      if (!mailbox.isInside()) {
        violation("producer %d: not inside after queueing from inside", p);
      }
      finished[0] = true;
      end();
    }

    private void onDemand(long n) {
      begin("onDemand");
      if (n <= 0) {
        violation("onDemand(%d)", n);
      }
      demanded += n;
      end();
    }

    private void begin(String what) {
      if (inside.incrementAndGet() != 1) {
        overlaps.incrementAndGet();
      }
      if (!mailbox.isInside()) {
        violation("%s: isInside() false inside", what);
      }
      if (depth++ != 0) {
        violation("%s: runs nested in another task", what);
      }
    }

    private void end() {
      depth--;
      inside.decrementAndGet();
    }

    private void violation(String format, Object... args) {
      if (violationCount.incrementAndGet() <= 10) {
        violations.add(String.format(format, args));
      }
    }
  }
}
