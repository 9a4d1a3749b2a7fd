package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** RFC 6455 7.1.2: after sending its close frame a client still reads until the peer's close. */
class ClosingHandshakeTest {

  @Test
  void framesThePeerSentBeforeItsCloseFrameStillArriveAfterClose() {
    ServerSupervisor supervisor = ServerSupervisor.builder().build();
    try (TestServer server =
        TestServer.start(
            0, routes -> routes.ws("/ws", supervisor.handler(c -> c.send(c.inbound()))))) {
      SupervisedConnection ws =
          Supervisor.create(WebSocketTransport.create(server.uri("/ws"))).connection();
      List<Frame> received = new CopyOnWriteArrayList<>();
      ws.inbound().subscribe(received::add);

      ws.send(Flux.range(0, 100).map(i -> Frame.text("f" + i))).block(Duration.ofSeconds(20));
      ws.close().block(Duration.ofSeconds(20));

      // every echo was on its way before the server read our close frame and answered it
      assertThat(received).hasSize(100).last().isEqualTo(Frame.text("f99"));
    }
  }
}
