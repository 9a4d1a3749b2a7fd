package dev.lifeline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeline.ConnectionState;
import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.netty.ServerEvent;
import dev.lifeline.netty.ServerSupervisor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two real Spring Boot WebFlux applications on random ports: one serves the supervised endpoint
 * (the adapter on {@code /ws}), the other has a client from properties; everything crosses real
 * sockets, and health is read over HTTP. Bounds are generous: shared 2-core machines.
 */
class WebFluxEndToEndTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ConfigurableApplicationContext> apps = new CopyOnWriteArrayList<>();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class EchoServer {
    @Bean
    LifelineServerHandler echo() {
      return connection -> connection.send(connection.inbound());
    }

    /**
     * Event loops of its own: two applications share this JVM, and one that uses Reactor Netty's
     * global resources disposes them when it stops, taking the other's web server with them.
     */
    @Bean
    ReactorResourceFactory ownLoops() {
      ReactorResourceFactory loops = new ReactorResourceFactory();
      loops.setUseGlobalResources(false);
      return loops;
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class ClientApplication {}

  @AfterEach
  void stopApplications() {
    apps.forEach(ConfigurableApplicationContext::close);
  }

  private ConfigurableApplicationContext start(Class<?> application, String... properties) {
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(application)
            .properties(
                "server.port=0",
                "spring.main.banner-mode=off",
                "management.endpoint.health.show-details=always")
            .properties(properties)
            .run();
    apps.add(app);
    return app;
  }

  private static int port(ConfigurableApplicationContext app) {
    return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  private HttpResponse<String> health(ConfigurableApplicationContext app) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port(app) + "/actuator/health"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) {
    return JsonMapper.builder().build().readTree(response.body());
  }

  @Test
  void clientFromPropertiesEchoesThroughTheEndpointWhichHeartbeatsItAndHealthFollowsTheServer()
      throws Exception {
    ConfigurableApplicationContext server =
        start(
            EchoServer.class,
            "lifeline.server.ping-clients.interval=500ms",
            "lifeline.server.ping-clients.timeout=5s");
    BlockingQueue<ServerEvent> serverEvents = new LinkedBlockingQueue<>();
    Disposable watching =
        server.getBean(ServerSupervisor.class).events().subscribe(serverEvents::add);
    ConfigurableApplicationContext client =
        start(
            ClientApplication.class,
            "lifeline.clients.echo.url=ws://localhost:" + port(server) + "/ws",
            "lifeline.clients.echo.retry.delay=200ms",
            "lifeline.clients.echo.retry.max-attempts=1000",
            "lifeline.health.down-after=1s");
    SupervisedConnection echo = client.getBean("echo", SupervisedConnection.class);
    BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    Disposable reading = echo.inbound().subscribe(received::add, error -> {});

    // echo: the frame comes back through the WebFlux endpoint
    echo.send(Frame.text("hello")).block(PATIENCE);
    assertThat(received.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(Frame.text("hello"));

    // the endpoint heartbeats the quiet client (RFC ping after 500 ms), and the client answers
    ServerEvent event;
    do {
      event = serverEvents.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertThat(event).as("a heartbeat answered within %s", PATIENCE).isNotNull();
    } while (!(event instanceof ServerEvent.ClientHeartbeatAnswered));

    // health over HTTP, on both applications
    HttpResponse<String> up = health(client);
    assertThat(up.statusCode()).isEqualTo(200);
    JsonNode echoHealth = json(up).at("/components/lifeline/components/clients/components/echo");
    assertThat(echoHealth.at("/status").asString()).isEqualTo("UP");
    assertThat(echoHealth.at("/details/state").asString()).isEqualTo("CONNECTED");
    assertThat(echoHealth.at("/details/framesReceived").asLong()).isEqualTo(1);
    JsonNode serverHealth = json(health(server)).at("/components/lifeline/components/server");
    assertThat(serverHealth.at("/status").asString()).isEqualTo("UP");
    assertThat(serverHealth.at("/details/connections").asInt()).isEqualTo(1);

    // the server stops: its drain closes the client cleanly (1012), then nothing answers
    watching.dispose();
    server.close();
    apps.remove(server);
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(echo.state()).isIn(ConnectionState.CONNECTING, ConnectionState.WAITING));
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              HttpResponse<String> down = health(client);
              assertThat(down.statusCode()).isEqualTo(503);
              assertThat(
                      json(down)
                          .at("/components/lifeline/components/clients/components/echo/status")
                          .asString())
                  .isEqualTo("DOWN");
            });
    reading.dispose();
  }

  @Test
  void closingTheClientApplicationClosesItsConnectionsWith1000() throws Exception {
    ConfigurableApplicationContext server = start(EchoServer.class);
    BlockingQueue<ServerEvent> serverEvents = new LinkedBlockingQueue<>();
    server.getBean(ServerSupervisor.class).events().subscribe(serverEvents::add);
    ConfigurableApplicationContext client =
        start(
            ClientApplication.class,
            "lifeline.clients.echo.url=ws://localhost:" + port(server) + "/ws",
            "spring.main.web-application-type=none");
    SupervisedConnection echo = client.getBean("echo", SupervisedConnection.class);
    BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    echo.inbound().subscribe(received::add, error -> {});
    echo.send(Frame.text("hello")).block(PATIENCE);
    assertThat(received.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(Frame.text("hello"));

    client.close();
    apps.remove(client);

    assertThat(echo.state()).isEqualTo(ConnectionState.CLOSED);
    ServerEvent event;
    do {
      event = serverEvents.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertThat(event).as("the client's close within %s", PATIENCE).isNotNull();
    } while (!(event instanceof ServerEvent.ClientClosed));
    assertThat(((ServerEvent.ClientClosed) event).code()).isEqualTo(1000);
  }
}
