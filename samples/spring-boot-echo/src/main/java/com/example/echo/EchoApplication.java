package com.example.echo;

import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.spring.boot.LifelineServerHandler;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Flux;

/**
 * A supervised WebSocket endpoint and a supervised client of it, in one application: the client
 * sends a line every second and logs the echo; {@code /actuator/health} shows both.
 */
@SpringBootApplication
public class EchoApplication {
  private static final Logger log = LoggerFactory.getLogger(EchoApplication.class);

  public static void main(String[] args) {
    SpringApplication.run(EchoApplication.class, args);
  }

  /** The endpoint's application: an echo (exactly once across reconnects, with resume). */
  @Bean
  LifelineServerHandler echoEndpoint() {
    return connection -> connection.send(connection.inbound());
  }

  /** Uses the client bean made from lifeline.clients.echo.* once the application is up. */
  @Bean
  ApplicationRunner talk(SupervisedConnection echo) {
    return args -> {
      echo.events().subscribe(event -> log.info("client event: {}", event));
      echo.inbound()
          .subscribe(
              frame -> log.info("echoed: {}", ((Frame.Text) frame).text()),
              error -> log.error("the client gave up", error));
      echo.send(
              Flux.interval(Duration.ofSeconds(1))
                  .map(n -> Frame.text("line " + n)))
          .subscribe(null, error -> log.warn("sending stopped: {}", error.toString()));
    };
  }
}
