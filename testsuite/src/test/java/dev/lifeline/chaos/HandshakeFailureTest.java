package dev.lifeline.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.HandshakeException;
import dev.lifeline.HandshakeTimeoutException;
import dev.lifeline.ReconnectsExhaustedException;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.TlsHandshakeException;
import dev.lifeline.netty.WebSocketTransport;
import dev.lifeline.support.EventRecorder;
import dev.lifeline.testing.FaultProxy;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * Chaos rows: connections that never become WebSockets. Each ends as C7 classifies it — at once
 * when retrying cannot help, after the retries otherwise — with one clear message.
 */
class HandshakeFailureTest {

  private static final int RETRIES = 2;

  @RegisterExtension final ChaosNetwork network = new ChaosNetwork();

  @Test
  void notFoundEndsSupervisionAtOnceWithoutRetrying() {
    Throwable failure = fail(Chaos.supervisor(network.uri("/missing"), RETRIES), 0);

    assertThat(failure).isInstanceOf(HandshakeException.class);
    assertThat(((HandshakeException) failure).status()).isEqualTo(404);
    assertThat(failure.getMessage()).contains("404");
    assertThat(network.proxy().accepted()).isEqualTo(1);
    Chaos.report("handshake 404", "stopped after 1 attempt: " + failure.getMessage());
  }

  @Test
  void serverErrorIsRetriedUntilTheRetriesRunOut() {
    Throwable failure = fail(Chaos.supervisor(network.uri("/error"), RETRIES), RETRIES);

    assertThat(failure.getCause()).isInstanceOf(HandshakeException.class);
    assertThat(((HandshakeException) failure.getCause()).status()).isEqualTo(500);
    assertThat(network.proxy().accepted()).isEqualTo(1 + RETRIES);
    Chaos.report("handshake 500", "retried " + RETRIES + " times: " + failure.getMessage());
  }

  @Test
  void refusedPortIsRetriedUntilTheRetriesRunOut() throws Exception {
    int closedPort;
    try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = gone.getLocalPort();
    }
    URI uri = URI.create("ws://127.0.0.1:" + closedPort + "/echo");

    Throwable failure = fail(Chaos.supervisor(uri, RETRIES), RETRIES);

    assertThat(failure).hasRootCauseInstanceOf(ConnectException.class);
    Chaos.report("refused port", "retried " + RETRIES + " times: " + failure.getMessage());
  }

  @Test
  void unknownHostIsRetriedUntilTheRetriesRunOut() {
    // .invalid never resolves (RFC 2606)
    URI uri = URI.create("ws://lifeline-chaos.invalid/echo");

    Throwable failure = fail(Chaos.supervisor(uri, RETRIES), RETRIES);

    assertThat(failure.getCause()).isInstanceOf(UnknownHostException.class);
    Chaos.report("unknown host", "retried " + RETRIES + " times: " + failure.getMessage());
  }

  @Test
  @SuppressWarnings("deprecation") // SelfSignedCertificate: the simplest offline certificate
  void untrustedCertificateEndsSupervisionAtOnceWithoutRetrying() throws Exception {
    SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
    DisposableServer tls =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .secure(
                spec ->
                    spec.sslContext(
                        Http11SslContextSpec.forServer(
                            certificate.certificate(), certificate.privateKey())))
            .route(routes -> routes.ws("/echo", (in, out) -> out.send(in.receive().retain())))
            .bindNow();
    try (FaultProxy tlsProxy = FaultProxy.start(new InetSocketAddress("127.0.0.1", tls.port()))) {
      URI uri = URI.create("wss://localhost:" + tlsProxy.port() + "/echo");

      Throwable failure = fail(Chaos.supervisor(uri, RETRIES), 0);

      assertThat(failure)
          .isInstanceOf(TlsHandshakeException.class)
          .hasCauseInstanceOf(SSLHandshakeException.class);
      assertThat(Supervisor.DEFAULT_RETRYABLE.test(failure)).isFalse();
      assertThat(tlsProxy.accepted()).isEqualTo(1);
      Chaos.report("untrusted TLS certificate", "stopped after 1 attempt: " + failure.getMessage());
    } finally {
      tls.disposeNow(Duration.ofSeconds(10));
      certificate.delete();
    }
  }

  @Test
  void serverThatNeverAnswersTheUpgradeTimesOutAndIsRetried() throws Exception {
    // the kernel accepts TCP connections into the backlog; nobody ever reads or answers
    try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      URI uri = URI.create("ws://127.0.0.1:" + mute.getLocalPort() + "/echo");
      Supervisor supervisor =
          Supervisor.create(WebSocketTransport.create(uri).handshakeTimeout(Duration.ofMillis(500)))
              .heartbeat(Chaos.heartbeat())
              .retry(Retry.fixedDelay(1, Chaos.D));

      Throwable failure = fail(supervisor, 1);

      assertThat(failure.getCause()).isInstanceOf(HandshakeTimeoutException.class);
      Chaos.report("upgrade never answered", "retried once: " + failure.getMessage());
    }
  }

  /**
   * Runs a connection until its inbound stream fails; asserts it failed after exactly {@code
   * retries} reconnects (with {@link ReconnectsExhaustedException} when there were any) and returns
   * the failure.
   */
  private static Throwable fail(Supervisor supervisor, int retries) {
    SupervisedConnection ws = supervisor.connection();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (EventRecorder events = new EventRecorder(ws.events())) {
      StepVerifier.create(ws.inbound()).expectErrorSatisfies(failure::set).verify(Chaos.PATIENCE);
      assertThat(events.count(ReconnectScheduled.class)).isEqualTo(retries);
    }
    if (retries > 0) {
      assertThat(failure.get()).isInstanceOf(ReconnectsExhaustedException.class);
    }
    return failure.get();
  }
}
