package dev.lifeline.netty;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * A {@link ServerSupervisor}'s events, reported from every connection's event loop and delivered to
 * its subscribers one at a time.
 *
 * <p><b>One drain loop</b> (reactor-core's {@code WIP}): whichever thread moves {@code delivering}
 * from 0 delivers every waiting event, including those other threads leave meanwhile; the others
 * only leave theirs and return. No lock is held while a subscriber runs; up to {@code bound} events
 * wait for a slow one, later ones are missed rather than grow without bound.
 */
final class ServerEvents {
  private static final Logger log = LoggerFactory.getLogger("dev.lifeline.server");

  private final int bound;
  // unsafe: emissions are serialised by `delivering` below, without a lock
  private final Sinks.Many<ServerEvent> sink;
  private final Queue<ServerEvent> toDeliver = Queues.<ServerEvent>unboundedMultiproducer().get();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger delivering = new AtomicInteger();

  ServerEvents(int bound) {
    this.bound = bound;
    this.sink = Sinks.unsafe().many().multicast().onBackpressureBuffer(bound, false);
  }

  Flux<ServerEvent> asFlux() {
    return sink.asFlux();
  }

  /** Called from any event loop. */
  void emit(ServerEvent event) {
    if (log.isDebugEnabled()) {
      log.debug("{}", event);
    }
    if (waiting.incrementAndGet() > bound) {
      // a subscriber holds up the delivering thread: miss the event rather than grow without bound
      waiting.decrementAndGet();
      log.debug("event missed, {} events wait for a slow subscriber: {}", bound, event);
      return;
    }
    toDeliver.offer(event);
    if (delivering.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      ServerEvent next;
      while ((next = toDeliver.poll()) != null) {
        waiting.decrementAndGet();
        // Results considered: OK; FAIL_ZERO_SUBSCRIBER and FAIL_OVERFLOW mean nobody listens or a
        // listener fell behind: events are observations and must never stall a connection.
        // FAIL_NON_SERIALIZED cannot happen (only the thread that won `delivering` emits);
        // FAIL_TERMINATED cannot (never completed).
        sink.tryEmitNext(next);
      }
      missed = delivering.addAndGet(-missed);
    } while (missed != 0);
  }
}
