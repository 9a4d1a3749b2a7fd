package dev.lifeline.tck;

import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.testing.InMemoryTransport;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;

/**
 * The Reactive Streams TCK against the {@code Mono<Void>} of {@link
 * SupervisedConnection#send(Frame)} over the in-memory transport: it emits no element and completes
 * once the frame is handed to the live connection. The failed publisher: a send after {@code
 * close()}, which fails with {@code SupervisorClosedException}.
 *
 * <p>A TestNG class, run by {@link ReactiveStreamsTckTest}.
 */
public class SendPublisherVerification extends PublisherVerification<Void> {

  public SendPublisherVerification() {
    super(
        new TestEnvironment(
            ReactiveStreamsTckTest.TIMEOUT_MS, ReactiveStreamsTckTest.NO_SIGNAL_MS));
  }

  @Override
  public Publisher<Void> createPublisher(long elements) {
    SupervisedConnection connection = Supervisor.create(new InMemoryTransport()).connection();
    connection.inbound().subscribe();
    return connection.send(Frame.text("sent under the TCK"));
  }

  @Override
  public Publisher<Void> createFailedPublisher() {
    SupervisedConnection connection = Supervisor.create(new InMemoryTransport()).connection();
    connection.close().block();
    return connection.send(Frame.text("sent after close"));
  }

  @Override
  public long maxElementsFromPublisher() {
    return 0;
  }
}
