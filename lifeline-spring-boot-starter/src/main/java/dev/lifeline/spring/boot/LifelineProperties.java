package dev.lifeline.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Lifeline's properties, under {@code lifeline}: supervised clients ({@code
 * lifeline.clients.<name>.*}), the supervised WebFlux endpoint ({@code lifeline.server.*}), health
 * and shutdown. Every default is Lifeline's own (the seed's): a property left out changes nothing.
 *
 * <p>Defaults are written out here (so that the generated metadata shows them) and equal Lifeline's
 * own constants, which {@code LifelinePropertiesTest} checks.
 *
 * <p>Checked when the context starts: an impossible value fails the start with every problem listed
 * by property name (see {@link LifelinePropertiesException}).
 *
 * @since 0.2.0
 */
@ConfigurationProperties("lifeline")
public class LifelineProperties {

  /**
   * Supervised WebSocket clients by name; each becomes a {@code SupervisedConnection} bean of that
   * name, called so in its events and meters.
   */
  private Map<String, Client> clients = new LinkedHashMap<>();

  /** The supervised WebSocket endpoint of a WebFlux application. */
  private Server server = new Server();

  /** How clients are reported by the Actuator health endpoint. */
  private Health health = new Health();

  /**
   * How long the application's shutdown waits for the clients' closing handshakes (status 1000) and
   * the endpoint's drain; connections still open then are closed without waiting.
   */
  private Duration shutdownTimeout = Duration.ofSeconds(10);

  /**
   * Whether configured clients keep the application running: Reactor Netty's threads are daemons,
   * so an application with clients and no web server would otherwise exit once started.
   */
  private boolean keepAlive = true;

  public boolean isKeepAlive() {
    return keepAlive;
  }

  public void setKeepAlive(boolean keepAlive) {
    this.keepAlive = keepAlive;
  }

  public Map<String, Client> getClients() {
    return clients;
  }

  public void setClients(Map<String, Client> clients) {
    this.clients = clients;
  }

  public Server getServer() {
    return server;
  }

  public void setServer(Server server) {
    this.server = server;
  }

  public Health getHealth() {
    return health;
  }

  public void setHealth(Health health) {
    this.health = health;
  }

  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  /** The heartbeat dialect. */
  public enum Dialect {
    /** RFC 6455 ping and pong control frames: every server answers them. */
    PING,
    /**
     * A text frame answered by a text frame, such as the seed's {@code heart_beat} / {@code ok}.
     */
    TEXT
  }

  /** How the pause between reconnect attempts grows. */
  public enum Backoff {
    /** The same delay before every attempt ({@code Retry.fixedDelay}, the default). */
    FIXED,
    /** Doubling from the delay up to the max delay, with jitter ({@code Retry.backoff}). */
    EXPONENTIAL
  }

  /** One supervised client, {@code lifeline.clients.<name>}. */
  public static class Client {

    /** The server's WebSocket URL, ws:// or wss://. Required. */
    private @Nullable String url;

    /** Headers sent with every handshake, such as Authorization. */
    private Map<String, String> headers = new LinkedHashMap<>();

    /** Subprotocols to offer, in order of preference. */
    private List<String> subprotocols = new ArrayList<>();

    /** How long a TCP connect may take. */
    private Duration connectTimeout = Duration.ofSeconds(10);

    /** How long the WebSocket upgrade may take once TCP is connected. */
    private Duration handshakeTimeout = Duration.ofSeconds(10);

    /** The largest frame accepted from the server, in bytes; a larger one fails with 1009. */
    private int maxFramePayloadLength = 65536;

    /** Whether to offer permessage-deflate compression. */
    private boolean compress;

    /** Frames that may wait for a connection; one more fails its send. */
    private int outboundBufferCapacity = 1024;

    /** The heartbeat that finds a dead connection. */
    private Heartbeat heartbeat = new Heartbeat();

    /** Reconnect attempts per outage. */
    private Retry retry = new Retry();

    /** Resume (lifeline.resume.v1): nothing lost across a reconnect, against a Lifeline server. */
    private ClientResume resume = new ClientResume();

    public @Nullable String getUrl() {
      return url;
    }

    public void setUrl(@Nullable String url) {
      this.url = url;
    }

    public Map<String, String> getHeaders() {
      return headers;
    }

    public void setHeaders(Map<String, String> headers) {
      this.headers = headers;
    }

    public List<String> getSubprotocols() {
      return subprotocols;
    }

    public void setSubprotocols(List<String> subprotocols) {
      this.subprotocols = subprotocols;
    }

    public Duration getConnectTimeout() {
      return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }

    public Duration getHandshakeTimeout() {
      return handshakeTimeout;
    }

    public void setHandshakeTimeout(Duration handshakeTimeout) {
      this.handshakeTimeout = handshakeTimeout;
    }

    public int getMaxFramePayloadLength() {
      return maxFramePayloadLength;
    }

    public void setMaxFramePayloadLength(int maxFramePayloadLength) {
      this.maxFramePayloadLength = maxFramePayloadLength;
    }

    public boolean isCompress() {
      return compress;
    }

    public void setCompress(boolean compress) {
      this.compress = compress;
    }

    public int getOutboundBufferCapacity() {
      return outboundBufferCapacity;
    }

    public void setOutboundBufferCapacity(int outboundBufferCapacity) {
      this.outboundBufferCapacity = outboundBufferCapacity;
    }

    public Heartbeat getHeartbeat() {
      return heartbeat;
    }

    public void setHeartbeat(Heartbeat heartbeat) {
      this.heartbeat = heartbeat;
    }

    public Retry getRetry() {
      return retry;
    }

    public void setRetry(Retry retry) {
      this.retry = retry;
    }

    public ClientResume getResume() {
      return resume;
    }

    public void setResume(ClientResume resume) {
      this.resume = resume;
    }
  }

  /** A heartbeat: its dialect and timing. */
  public static class Heartbeat {

    /** PING (RFC 6455 ping/pong, the default) or TEXT (ping-text answered by pong-text). */
    private Dialect dialect = Dialect.PING;

    /** The text heartbeat sent, with dialect TEXT. */
    private String pingText = "heart_beat";

    /** The text answer expected, with dialect TEXT. */
    private String pongText = "ok";

    /** Silence after which a heartbeat goes out. */
    private Duration interval = Duration.ofSeconds(60);

    /** How long the peer has to answer a heartbeat before it is dead. */
    private Duration timeout = Duration.ofSeconds(5);

    /** Heartbeats in a row that must go unanswered before the peer is dead. */
    private int unansweredLimit = 1;

    public Dialect getDialect() {
      return dialect;
    }

    public void setDialect(Dialect dialect) {
      this.dialect = dialect;
    }

    public String getPingText() {
      return pingText;
    }

    public void setPingText(String pingText) {
      this.pingText = pingText;
    }

    public String getPongText() {
      return pongText;
    }

    public void setPongText(String pongText) {
      this.pongText = pongText;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    public int getUnansweredLimit() {
      return unansweredLimit;
    }

    public void setUnansweredLimit(int unansweredLimit) {
      this.unansweredLimit = unansweredLimit;
    }
  }

  /** Reconnect attempts per outage; a LifelineClientCustomizer bean can set any Retry instead. */
  public static class Retry {

    /** Attempts per outage before the connection fails with ReconnectsExhaustedException. */
    private long maxAttempts = 5;

    /** The pause before an attempt (the first pause with EXPONENTIAL). */
    private Duration delay = Duration.ofSeconds(5);

    /** FIXED (the default) or EXPONENTIAL. */
    private Backoff backoff = Backoff.FIXED;

    /** The longest pause, with EXPONENTIAL. */
    private Duration maxDelay = Duration.ofMinutes(1);

    /** The random part of each pause, with EXPONENTIAL: 0 to 1. */
    private double jitter = 0.5;

    public long getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(long maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getDelay() {
      return delay;
    }

    public void setDelay(Duration delay) {
      this.delay = delay;
    }

    public Backoff getBackoff() {
      return backoff;
    }

    public void setBackoff(Backoff backoff) {
      this.backoff = backoff;
    }

    public Duration getMaxDelay() {
      return maxDelay;
    }

    public void setMaxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
    }

    public double getJitter() {
      return jitter;
    }

    public void setJitter(double jitter) {
      this.jitter = jitter;
    }
  }

  /** Resume on a client. */
  public static class ClientResume {

    /** Whether to offer lifeline.resume.v1; any other server then runs the connection plain. */
    private boolean enabled;

    /** Frames kept until the server acknowledges them. */
    private int replayBufferFrames = 8192;

    /** Payload bytes kept until the server acknowledges them. */
    private long replayBufferBytes = 1048576;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public int getReplayBufferFrames() {
      return replayBufferFrames;
    }

    public void setReplayBufferFrames(int replayBufferFrames) {
      this.replayBufferFrames = replayBufferFrames;
    }

    public long getReplayBufferBytes() {
      return replayBufferBytes;
    }

    public void setReplayBufferBytes(long replayBufferBytes) {
      this.replayBufferBytes = replayBufferBytes;
    }
  }

  /** Resume on the endpoint. */
  public static class ServerResume extends ClientResume {

    /** How long a session waits for its client after losing its connection. */
    private Duration sessionTimeout = Duration.ofMinutes(3);

    /** Sessions that may wait for their client at once; beyond it the oldest expires. */
    private int maxDetachedSessions = 10000;

    public Duration getSessionTimeout() {
      return sessionTimeout;
    }

    public void setSessionTimeout(Duration sessionTimeout) {
      this.sessionTimeout = sessionTimeout;
    }

    public int getMaxDetachedSessions() {
      return maxDetachedSessions;
    }

    public void setMaxDetachedSessions(int maxDetachedSessions) {
      this.maxDetachedSessions = maxDetachedSessions;
    }
  }

  /** The supervised endpoint, {@code lifeline.server}. */
  public static class Server {

    /**
     * The path the endpoint is mapped to, when the application has a LifelineServerHandler bean.
     */
    private String path = "/ws";

    /** The name in the endpoint's meters and health. */
    private String name = "lifeline";

    /** The application's own subprotocols, selected in the order a client offers them. */
    private List<String> subprotocols = new ArrayList<>();

    /** The text heartbeat the endpoint answers (RFC pings are always answered). */
    private String answerPing = "heart_beat";

    /** The answer the endpoint sends to answer-ping. */
    private String answerPong = "ok";

    /**
     * The endpoint's own heartbeat to each client: an RFC ping after this much silence, dead after
     * the timeout. Ignored when idle-timeout is set.
     */
    private Heartbeat pingClients = new Heartbeat();

    /**
     * Instead of pinging clients, close one silent for this long (for clients that heartbeat
     * themselves). Unset by default.
     */
    private @Nullable Duration idleTimeout;

    /** How long a close the endpoint starts waits for the client's answering close frame. */
    private Duration closeTimeout = Duration.ofSeconds(5);

    /** The largest message a client may send, in bytes; a longer one closes with 1009. */
    private int maxMessageLength = 65536;

    /**
     * At shutdown, clients are closed with 1012 (service restart) at random instants over this
     * window, so that they do not all reconnect at once (bounded by lifeline.shutdown-timeout).
     */
    private Duration drainWindow = Duration.ZERO;

    /** Resume sessions for clients that offer lifeline.resume.v1. */
    private ServerResume resume = new ServerResume();

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public List<String> getSubprotocols() {
      return subprotocols;
    }

    public void setSubprotocols(List<String> subprotocols) {
      this.subprotocols = subprotocols;
    }

    public String getAnswerPing() {
      return answerPing;
    }

    public void setAnswerPing(String answerPing) {
      this.answerPing = answerPing;
    }

    public String getAnswerPong() {
      return answerPong;
    }

    public void setAnswerPong(String answerPong) {
      this.answerPong = answerPong;
    }

    public Heartbeat getPingClients() {
      return pingClients;
    }

    public void setPingClients(Heartbeat pingClients) {
      this.pingClients = pingClients;
    }

    public @Nullable Duration getIdleTimeout() {
      return idleTimeout;
    }

    public void setIdleTimeout(@Nullable Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
    }

    public Duration getCloseTimeout() {
      return closeTimeout;
    }

    public void setCloseTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
    }

    public int getMaxMessageLength() {
      return maxMessageLength;
    }

    public void setMaxMessageLength(int maxMessageLength) {
      this.maxMessageLength = maxMessageLength;
    }

    public Duration getDrainWindow() {
      return drainWindow;
    }

    public void setDrainWindow(Duration drainWindow) {
      this.drainWindow = drainWindow;
    }

    public ServerResume getResume() {
      return resume;
    }

    public void setResume(ServerResume resume) {
      this.resume = resume;
    }
  }

  /** How clients are reported by the Actuator health endpoint. */
  public static class Health {

    /**
     * A client that has not been connected for longer than this (reconnecting or waiting) is DOWN;
     * before that it is UP with its state in the details.
     */
    private Duration downAfter = Duration.ofSeconds(30);

    public Duration getDownAfter() {
      return downAfter;
    }

    public void setDownAfter(Duration downAfter) {
      this.downAfter = downAfter;
    }
  }
}
