package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.Supervisor;
import dev.lifeline.Transport;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/** {@code wss://} against a server on loopback with a self-signed certificate for 127.0.0.1. */
class WebSocketTransportTlsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private DisposableServer server;

  @BeforeEach
  void startServer() throws Exception {
    SslContext serverContext;
    try (InputStream cert = resource("self-signed.crt");
        InputStream key = resource("self-signed.key")) {
      serverContext = SslContextBuilder.forServer(cert, key).build();
    }
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .secure(spec -> spec.sslContext(serverContext))
            .route(routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))))
            .bindNow(WAIT);
  }

  @AfterEach
  void stopServer() {
    server.disposeNow(WAIT);
  }

  @Test
  void untrustedCertificateFailsWithAMessageThatSaysWhatToDoAndIsNotRetried() {
    String uri = "wss://127.0.0.1:" + server.port() + "/ws";

    StepVerifier.create(WebSocketTransport.create(uri).connect(Flux.never()))
        .expectErrorSatisfies(
            error -> {
              assertThat(error)
                  .isInstanceOf(TlsHandshakeException.class)
                  .hasMessageStartingWith(
                      "TLS handshake with "
                          + uri
                          + " failed: the server's certificate is not trusted (PKIX path")
                  .hasMessageEndingWith(
                      "); if it is self-signed or signed by a private authority, pass an"
                          + " SslContext that trusts it with WebSocketTransport.sslContext(..)")
                  .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);
              assertThat(error.getCause()).isInstanceOf(SSLHandshakeException.class);
              assertThat(Supervisor.DEFAULT_RETRYABLE.test(error)).isFalse();
            })
        .verify(WAIT);
  }

  @Test
  void trustingSslContextConnects() throws Exception {
    SslContext trusting;
    try (InputStream cert = resource("self-signed.crt")) {
      trusting = SslContextBuilder.forClient().trustManager(cert).build();
    }
    Transport.Connection connection =
        WebSocketTransport.create("wss://127.0.0.1:" + server.port() + "/ws")
            .sslContext(trusting)
            .connect(Flux.<Frame>just(Frame.text("over TLS")).concatWith(Flux.never()))
            .block(WAIT);

    assertThat(connection.inbound().blockFirst(WAIT)).isEqualTo(Frame.text("over TLS"));
    connection.dispose();
  }

  private static InputStream resource(String name) {
    return WebSocketTransportTlsTest.class.getResourceAsStream("/tls/" + name);
  }
}
