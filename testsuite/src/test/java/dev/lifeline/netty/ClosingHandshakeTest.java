package dev.lifeline.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent;
import dev.lifeline.Frame;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** RFC 6455 7.1.2: after sending its close frame a client still reads until the peer's close. */
class ClosingHandshakeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

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

      ws.send(Flux.range(0, 100).map(i -> Frame.text("f" + i))).block(WAIT);
      ws.close().block(WAIT);

      // every echo was on its way before the server read our close frame and answered it
      assertThat(received).hasSize(100).last().isEqualTo(Frame.text("f99"));
    }
  }

  @Test
  void cancellingTheInboundClosesWithStatus1000() {
    List<WebSocketCloseStatus> received = new CopyOnWriteArrayList<>();
    try (TestServer server =
        TestServer.start(
            0,
            routes ->
                routes.ws(
                    "/ws",
                    (in, out) -> {
                      in.receiveCloseStatus().subscribe(received::add);
                      return in.receive().then();
                    }))) {
      // Reactor Netty answers a cancelled receiver with a close frame of its own, without status:
      // which of the two went first varied from one connection to the next
      for (int round = 1; round <= 50; round++) {
        SupervisedConnection ws =
            Supervisor.create(WebSocketTransport.create(server.uri("/ws"))).connection();
        Flux<ConnectionEvent> events = ws.events().replay().autoConnect(0);
        Disposable application = ws.inbound().subscribe();
        events.ofType(ConnectionEvent.Connected.class).blockFirst(WAIT);

        application.dispose();

        int closes = round;
        WebSocketTransportTest.await(() -> received.size() == closes);
      }
      assertThat(received).extracting(WebSocketCloseStatus::code).containsOnly(1000);
    }
  }
}
