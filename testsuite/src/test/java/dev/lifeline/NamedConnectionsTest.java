package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeline.netty.WebSocketTransport;
import dev.lifeline.support.VirtualClock;
import org.junit.jupiter.api.Test;

/**
 * A connection's name is in every event it reports; it defaults to the transport's name, which for
 * a WebSocket URI is its host, port and path, never its credentials or query string.
 */
class NamedConnectionsTest {
  private final VirtualClock clock = new VirtualClock();

  @Test
  void everyEventCarriesTheNameGiven() {
    var supervised = clock.connect(s -> s.name("orders"));
    clock
        .verifyInbound(supervised)
        .expectSubscription()
        .then(() -> clock.transport.lastPeer().send(Frame.text("hello")))
        .expectNext(Frame.text("hello"))
        .then(() -> clock.transport.lastPeer().end())
        .then(() -> clock.advance(5_000))
        .thenCancel()
        .verify();

    assertThat(supervised.events().remaining())
        .hasSizeGreaterThanOrEqualTo(5) // connecting, connected, disconnected, scheduled, ...
        .allSatisfy(event -> assertThat(event.name()).isEqualTo("orders"));
  }

  @Test
  void withoutANameTheTransportsNameIsUsed() {
    var supervised = clock.connect();
    clock.verifyInbound(supervised).expectSubscription().thenCancel().verify();

    assertThat(supervised.events().remaining())
        .isNotEmpty()
        .allSatisfy(event -> assertThat(event.name()).isEqualTo("in-memory"));
  }

  @Test
  void aWebSocketTransportIsNamedByHostPortAndPathWithoutCredentialsOrQuery() {
    assertThat(WebSocketTransport.create("wss://user:secret@example.com/feed?token=abc").name())
        .isEqualTo("example.com/feed");
    assertThat(WebSocketTransport.create("ws://127.0.0.1:8080/ws").name())
        .isEqualTo("127.0.0.1:8080/ws");
    assertThat(WebSocketTransport.create("ws://example.com").name()).isEqualTo("example.com");
  }

  @Test
  void badNamesAreRefusedWithTheReason() {
    Supervisor supervisor = Supervisor.create(clock.transport);
    assertThatThrownBy(() -> supervisor.name(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connection name must not be blank, was \" \"");
    assertThatThrownBy(() -> supervisor.name("x".repeat(101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connection name must be at most 100 characters, was 101");
    assertThatThrownBy(() -> supervisor.name("a\nb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connection name must not contain control characters, was a?b");
  }
}
