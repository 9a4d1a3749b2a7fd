package dev.lifeline.bench;

import dev.lifeline.Frame;
import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/** An application that takes every frame as it comes: unbounded demand, frames to a blackhole. */
final class Consuming implements CoreSubscriber<Frame> {
  private final Blackhole blackhole;

  Consuming(Blackhole blackhole) {
    this.blackhole = blackhole;
  }

  @Override
  public void onSubscribe(Subscription s) {
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(Frame frame) {
    blackhole.consume(frame);
  }

  @Override
  public void onError(Throwable t) {
    throw new IllegalStateException("benchmark connection failed", t);
  }

  @Override
  public void onComplete() {
    // the benchmark closed the connection
  }
}
