package dev.lifeline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.Heartbeat;
import dev.lifeline.Resume;
import dev.lifeline.Supervisor;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.util.retry.RetryBackoffSpec;

/**
 * The properties' defaults, written out for the generated metadata, are Lifeline's own: a property
 * left out changes nothing.
 */
class LifelinePropertiesTest {

  @Test
  void clientDefaultsAreLifelinesOwn() {
    LifelineProperties.Client client = new LifelineProperties.Client();
    assertThat(client.getConnectTimeout()).isEqualTo(WebSocketTransport.DEFAULT_CONNECT_TIMEOUT);
    assertThat(client.getHandshakeTimeout())
        .isEqualTo(WebSocketTransport.DEFAULT_HANDSHAKE_TIMEOUT);
    assertThat(client.getOutboundBufferCapacity())
        .isEqualTo(Supervisor.DEFAULT_OUTBOUND_BUFFER_CAPACITY);
    assertThat(client.getHeartbeat().getInterval()).isEqualTo(Heartbeat.DEFAULT_INTERVAL);
    assertThat(client.getHeartbeat().getTimeout()).isEqualTo(Heartbeat.DEFAULT_TIMEOUT);
    assertThat(client.getHeartbeat().getUnansweredLimit())
        .isEqualTo(Heartbeat.ping().unansweredLimit());
    assertThat(client.getResume().getReplayBufferFrames())
        .isEqualTo(Resume.DEFAULT_REPLAY_BUFFER_FRAMES);
    assertThat(client.getResume().getReplayBufferBytes())
        .isEqualTo(Resume.DEFAULT_REPLAY_BUFFER_BYTES);
    RetryBackoffSpec seed = (RetryBackoffSpec) Supervisor.DEFAULT_RETRY;
    assertThat(client.getRetry().getMaxAttempts()).isEqualTo(seed.maxAttempts);
    assertThat(client.getRetry().getDelay()).isEqualTo(seed.minBackoff);
  }

  @Test
  void serverDefaultsAreLifelinesOwn() {
    LifelineProperties.Server server = new LifelineProperties.Server();
    assertThat(server.getCloseTimeout()).isEqualTo(ServerSupervisor.DEFAULT_CLOSE_TIMEOUT);
    assertThat(server.getMaxMessageLength()).isEqualTo(ServerSupervisor.DEFAULT_MAX_MESSAGE_LENGTH);
    assertThat(server.getResume().getSessionTimeout())
        .isEqualTo(ServerSupervisor.DEFAULT_SESSION_TIMEOUT);
    assertThat(server.getResume().getMaxDetachedSessions())
        .isEqualTo(ServerSupervisor.DEFAULT_MAX_DETACHED_SESSIONS);
    assertThat(server.getPingClients().getInterval()).isEqualTo(Heartbeat.DEFAULT_INTERVAL);
    assertThat(server.getIdleTimeout()).isNull();
    assertThat(server.getDrainWindow()).isEqualTo(Duration.ZERO);
  }
}
