package dev.lifeline.tck;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.testing.InMemoryTransport;
import java.io.IOException;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;

/**
 * The Reactive Streams TCK against {@link SupervisedConnection#inbound()} over the in-memory
 * transport. A publisher of {@code n} elements: once connected, the peer sends {@code n} text
 * frames and the application closes, so {@code inbound()} delivers exactly those frames (the
 * closing handshake lets frames sent before the peer's close through) and completes. The failed
 * publisher: every attempt is refused with an error the supervisor does not retry.
 *
 * <p>A TestNG class, run by {@link ReactiveStreamsTckTest}.
 */
public class InboundPublisherVerification extends PublisherVerification<Frame> {

  public InboundPublisherVerification() {
    super(
        new TestEnvironment(
            ReactiveStreamsTckTest.TIMEOUT_MS, ReactiveStreamsTckTest.NO_SIGNAL_MS));
  }

  @Override
  public Publisher<Frame> createPublisher(long elements) {
    InMemoryTransport transport = new InMemoryTransport();
    SupervisedConnection connection = Supervisor.create(transport).connection();
    connection
        .events()
        .ofType(ConnectionEvent.Connected.class)
        .take(1)
        .subscribe(
            connected -> {
              InMemoryTransport.Peer peer = transport.lastPeer();
              for (long i = 0; i < elements; i++) {
                peer.send(Frame.text("frame " + i));
              }
              connection.close().subscribe();
            });
    return connection.inbound();
  }

  @Override
  public Publisher<Frame> createFailedPublisher() {
    InMemoryTransport transport =
        new InMemoryTransport().refuse(new IOException("refused by the TCK's transport"));
    return Supervisor.create(transport).retryable(e -> false).connection().inbound();
  }

  @Override
  public long maxElementsFromPublisher() {
    return 1_024;
  }
}
