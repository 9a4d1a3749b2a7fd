package com.example.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeline.SupervisedConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The sample starts, its client's lines come back through its endpoint, and health says UP. */
class EchoApplicationTest {

  @Test
  void theClientsLinesComeBackAndHealthIsUp() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(EchoApplication.class).run("--server.port=" + port)) {
      SupervisedConnection echo = app.getBean("echo", SupervisedConnection.class);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> assertThat(echo.framesReceived()).as("lines echoed").isGreaterThanOrEqualTo(2));
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"lifeline\"").contains("\"CONNECTED\"");
    }
  }
}
