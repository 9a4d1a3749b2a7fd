package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionClosedException;
import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.Frame;
import dev.lifeline.ProtocolViolationException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.WebSocketTransport;
import dev.lifeline.support.EventRecorder;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * Chaos rows: bad frames and every close code of C4 and C7. Codes a reconnect can cure are retried;
 * codes that say the two ends disagree on the protocol end supervision at once.
 */
class ProtocolFailureTest {

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void anOversizedFrameEndsSupervisionWith1009() {
    Supervisor supervisor =
        Supervisor.create(
                WebSocketTransport.create(network.uri("/big")).maxFramePayloadLength(1024))
            .heartbeat(Chaos.heartbeat())
            .retry(Retry.fixedDelay(3, Chaos.D));

    Throwable failure = stops(supervisor.connection());

    assertThat(failure).isInstanceOf(ProtocolViolationException.class);
    assertThat(((ProtocolViolationException) failure).code()).isEqualTo(1009);
    assertThat(network.proxy().accepted()).isEqualTo(1);
    Chaos.report("oversized frame", "stopped after 1 attempt: " + failure.getMessage());
  }

  @Test
  void invalidUtf8InATextFrameEndsSupervisionWith1007() {
    Throwable failure = stops(Chaos.supervisor(network.uri("/bad-utf8"), 3).connection());

    assertThat(failure).isInstanceOf(ProtocolViolationException.class);
    assertThat(((ProtocolViolationException) failure).code()).isEqualTo(1007);
    assertThat(network.proxy().accepted()).isEqualTo(1);
    Chaos.report("invalid UTF-8", "stopped after 1 attempt: " + failure.getMessage());
  }

  @ParameterizedTest(name = "close code {0} is retried")
  @ValueSource(ints = {1000, 1001, 1011, 1012, 1013})
  void aCloseCodeThatAReconnectMayCureIsFollowedByANewConnection(int code) {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/close"), 3).connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().subscribe(frame -> {}, error -> {});
      events.await(Connected.class, 1);

      ws.send(Frame.text(String.valueOf(code))).block(Chaos.PATIENCE);

      Disconnected disconnected = events.await(Disconnected.class, 1);
      assertThat(disconnected.closeCode()).hasValue(code);
      events.await(Connected.class, 2);
      assertThat(events.count(ReconnectScheduled.class)).isEqualTo(1);
      assertThat(network.proxy().accepted()).isEqualTo(2);
      Chaos.report("close " + code, "reconnected: " + disconnected.cause().getMessage());
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  @ParameterizedTest(name = "close code {0} stops")
  @ValueSource(ints = {1002, 1003, 1007, 1008, 1009, 1010})
  void aCloseCodeThatNoReconnectCanCureEndsSupervisionAtOnce(int code) {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/close"), 3).connection();
    ws.send(Frame.text(String.valueOf(code))).subscribe(null, error -> {});

    Throwable failure = stops(ws);

    assertThat(failure).isInstanceOf(ConnectionClosedException.class);
    assertThat(((ConnectionClosedException) failure).code()).isEqualTo(code);
    assertThat(network.proxy().accepted()).isEqualTo(1);
    Chaos.report("close " + code, "stopped after 1 attempt: " + failure.getMessage());
  }

  @Test
  void aConnectionThatEndsWithoutACloseFrameIs1006AndIsRetried() {
    SupervisedConnection ws = Chaos.supervisor(network.uri("/echo"), 3).connection();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      ws.inbound().subscribe(frame -> {}, error -> {});
      events.await(Connected.class, 1);

      network.proxy().closeConnections();

      Disconnected disconnected = events.await(Disconnected.class, 1);
      assertThat(disconnected.closeCode()).hasValue(1006);
      events.await(Connected.class, 2);
      assertThat(network.proxy().accepted()).isEqualTo(2);
      Chaos.report("close 1006 (no frame)", "reconnected: " + disconnected.cause().getMessage());
    } finally {
      ws.close().block(Chaos.PATIENCE);
    }
  }

  /** Runs {@code ws} until its inbound stream fails, which must happen without any reconnect. */
  private static Throwable stops(SupervisedConnection ws) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      StepVerifier.create(ws.inbound()).expectErrorSatisfies(failure::set).verify(Chaos.PATIENCE);
      events.assertNone(ReconnectScheduled.class);
    }
    return failure.get();
  }
}
