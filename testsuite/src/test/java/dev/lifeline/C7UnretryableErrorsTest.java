package dev.lifeline;

import static dev.lifeline.support.EventRecorder.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Closed;
import dev.lifeline.ConnectionEvent.Connected;
import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.Disconnected;
import dev.lifeline.support.VirtualClock;
import java.io.IOException;
import java.net.URISyntaxException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * C7: errors that retrying cannot fix end the stream at once, unretried: handshake 4xx (but
 * 408/429), invalid URI, TLS certificate rejected, close codes 1002/1003/1007/1008/1009/1010.
 */
class C7UnretryableErrorsTest {
  private final VirtualClock clock = new VirtualClock();

  private void endsAtOnceWith(Throwable failure) {
    clock.transport.refuse(failure);
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(failure))
        .verify();

    clock.advance(3_600_000);
    assertThat(clock.transport.attempts()).isEqualTo(1);
    assertThat(clock.scheduler.pending()).isZero();
    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Disconnected.class, 0);
    assertThat(supervised.events().next(Closed.class, 0).cause()).isSameAs(failure);
    supervised.events().assertNoMore();
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {400, 401, 403, 404, 410, 426})
  void handshakeClientErrorEndsAtOnce(int status) {
    endsAtOnceWith(new HandshakeException("ws://127.0.0.1/ws", status, ""));
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {408, 429, 500, 502, 503})
  void handshakeTimeoutTooManyRequestsAndServerErrorsAreRetried(int status) {
    clock.transport.failNext(new HandshakeException("ws://127.0.0.1/ws", status, ""));
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .thenAwait(ms(5_000))
        .then(() -> assertThat(clock.transport.attempts()).isEqualTo(2))
        .then(() -> assertThat(clock.transport.lastPeer().isOpen()).isTrue())
        .thenCancel()
        .verify();
  }

  @Test
  void handshake404MessageSaysWhatToCheck() {
    assertThat(new HandshakeException("ws://127.0.0.1:8080/wrong", 404, "Not Found"))
        .hasMessage(
            "WebSocket handshake with ws://127.0.0.1:8080/wrong failed: server answered HTTP 404"
                + " Not Found instead of 101 Switching Protocols; check the URI's path");
  }

  @Test
  void invalidUriEndsAtOnce() {
    endsAtOnceWith(
        new IllegalArgumentException(
            "invalid WebSocket URI", new URISyntaxException("ws://bad host", "Illegal character")));
  }

  @Test
  void rejectedCertificateEndsAtOnce() {
    SSLHandshakeException rejected = new SSLHandshakeException("PKIX path building failed");
    rejected.initCause(new CertificateException("unable to find valid certification path"));
    endsAtOnceWith(rejected);
  }

  @Test
  void tlsFailureWithoutACertificateProblemIsRetried() {
    assertThat(Supervisor.DEFAULT_RETRYABLE.test(new SSLHandshakeException("Connection reset")))
        .isTrue();
  }

  @ParameterizedTest(name = "close {0}")
  @ValueSource(ints = {1002, 1003, 1007, 1008, 1009, 1010})
  void closeCodesThatANewConnectionWouldMeetAgainEndAtOnce(int code) {
    var supervised = clock.connect();

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().close(code, "no"))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ConnectionClosedException.class)
                    .extracting(x -> ((ConnectionClosedException) x).code())
                    .isEqualTo(code))
        .verify();

    clock.advance(3_600_000);
    assertThat(clock.transport.attempts()).isEqualTo(1);
    supervised.events().next(Connecting.class, 0);
    supervised.events().next(Connected.class, 0);
    assertThat(supervised.events().next(Disconnected.class, 0).closeCode()).hasValue(code);
    supervised.events().next(Closed.class, 0);
    supervised.events().assertNoMore();
  }

  @Test
  void policyViolationMessageCarriesCodeNameAndReason() {
    assertThat(new ConnectionClosedException(1008, "token expired"))
        .hasMessage(
            "peer closed the connection with status 1008 (policy violation): \"token expired\"");
  }

  @Test
  void classificationCanBeOverridden() {
    var supervised =
        clock.connect(
            s -> s.retryable(Supervisor.DEFAULT_RETRYABLE.and(e -> !(e instanceof IOException))));

    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().fail(new IOException("disk on fire")))
        .expectErrorMessage("disk on fire")
        .verify();
    assertThat(clock.transport.attempts()).isEqualTo(1);
  }
}
