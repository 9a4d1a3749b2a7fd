package dev.lifeline.internal;

import dev.lifeline.Transport;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The handshake of one {@link Link}: the subscriber of the transport's {@code Mono} of a
 * connection. Confined to the connection's {@link Mailbox} as its link is: each signal hops in.
 */
final class Handshake implements CoreSubscriber<Transport.Connection> {
  private final Link link;
  private final Supervision supervision;
  Subscription subscription;
  private boolean connected;

  Handshake(Link link, Supervision supervision) {
    this.link = link;
    this.supervision = supervision;
  }

  @Override
  public Context currentContext() {
    return supervision.handshakeContext();
  }

  @Override
  public void onSubscribe(Subscription s) {
    link.inline(
        () -> {
          subscription = s;
          if (link.abandoned) {
            s.cancel();
          } else {
            s.request(Long.MAX_VALUE);
          }
        });
  }

  @Override
  public void onNext(Transport.Connection established) {
    link.inline(
        () -> {
          connected = true;
          supervision.handshakeDone(link, established);
        });
  }

  @Override
  public void onError(Throwable error) {
    link.inline(() -> failed(error));
  }

  @Override
  public void onComplete() {
    link.inline(
        () -> {
          if (!connected) {
            failed(
                new IllegalStateException(
                    "transport "
                        + supervision.settings.transport()
                        + " completed without a"
                        + " connection"));
          }
        });
  }

  /**
   * The application's {@code context}, plus a discard hook: a connection whose handshake completes
   * just after the attempt was abandoned is dropped by the transport's {@code Mono}, and disposed
   * here.
   */
  static Context context(Context context) {
    return Operators.enableOnDiscard(context, Handshake::disposeDiscarded);
  }

  private static void disposeDiscarded(Object discarded) {
    if (discarded instanceof Transport.Connection connection) {
      connection.dispose();
    }
  }

  void failed(Throwable error) {
    if (connected || link.abandoned) {
      Operators.onErrorDropped(error, currentContext());
      return;
    }
    link.ended = true;
    supervision.handshakeFailed(link, error);
  }
}
