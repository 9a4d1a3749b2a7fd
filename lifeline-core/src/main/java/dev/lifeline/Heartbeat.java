package dev.lifeline;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * How a connection proves the peer is alive: after {@link #interval()} without any inbound frame a
 * heartbeat is sent, and the peer is declared dead when nothing at all arrives within {@link
 * #timeout()} after it (timing contract C2, C3), or, with {@link #unansweredLimit(int)}, after each
 * of that many heartbeats in a row (C10).
 *
 * <p>A heartbeat is immutable; {@link #interval(Duration)} and {@link #timeout(Duration)} return
 * copies. Three dialects exist:
 *
 * <ul>
 *   <li>{@link #ping()}: RFC 6455 ping and pong control frames. Every compliant server answers a
 *       ping, so this is the default.
 *   <li>{@link #text(String, String)}: application text frames, such as the seed's {@code
 *       "heart_beat"} answered by {@code "ok"}, for servers that answer in their own protocol.
 *   <li>{@link #custom(LongFunction, Predicate)}: any ping factory and pong predicate.
 * </ul>
 *
 * <p>Any inbound frame proves life, not only the answer, so a busy connection never needs a
 * heartbeat. Frames that the dialect recognises as answers never reach the application (C8).
 *
 * @since 0.1.0
 */
public final class Heartbeat {

  /**
   * The default quiet interval before a heartbeat: 60 seconds, the seed's.
   *
   * @since 0.1.0
   */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

  /**
   * The default time allowed for the peer to answer a heartbeat: 5 seconds, the seed's.
   *
   * @since 0.1.0
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private static final Heartbeat PING =
      new Heartbeat(
          "ping",
          Heartbeat::rfcPing,
          frame -> frame instanceof Frame.Pong,
          frame -> frame instanceof Frame.Ping ping ? Frame.pong(ping.asByteBuffer()) : null,
          DEFAULT_INTERVAL,
          DEFAULT_TIMEOUT,
          1);

  private final String dialect;
  private final LongFunction<Frame> pingFactory;
  private final Predicate<Frame> pongPredicate;
  private final UnaryOperator<@Nullable Frame> answerer;
  private final Duration interval;
  private final Duration timeout;
  private final int unansweredLimit;

  private Heartbeat(
      String dialect,
      LongFunction<Frame> pingFactory,
      Predicate<Frame> pongPredicate,
      UnaryOperator<@Nullable Frame> answerer,
      Duration interval,
      Duration timeout,
      int unansweredLimit) {
    this.dialect = dialect;
    this.pingFactory = pingFactory;
    this.pongPredicate = pongPredicate;
    this.answerer = answerer;
    this.interval = interval;
    this.timeout = timeout;
    this.unansweredLimit = unansweredLimit;
  }

  /**
   * RFC 6455 ping/pong: the heartbeat is a ping control frame whose 8-byte payload is the
   * heartbeat's sequence number, and any pong frame answers it. Interval 60 s, timeout 5 s.
   *
   * @since 0.1.0
   */
  public static Heartbeat ping() {
    return PING;
  }

  /**
   * An application text dialect: the heartbeat is the text frame {@code ping}, and a text frame
   * equal to {@code pong} answers it. {@code Heartbeat.text("heart_beat", "ok")} is the seed's.
   * Interval 60 s, timeout 5 s.
   *
   * @since 0.1.0
   */
  public static Heartbeat text(String ping, String pong) {
    Objects.requireNonNull(ping, "ping");
    Objects.requireNonNull(pong, "pong");
    Frame.Text pingFrame = Frame.text(ping);
    Frame.Text pongFrame = Frame.text(pong);
    return new Heartbeat(
        "text(" + ping + " -> " + pong + ")",
        sequence -> pingFrame,
        frame -> frame instanceof Frame.Text text && text.text().equals(pong),
        frame -> frame instanceof Frame.Text text && text.text().equals(ping) ? pongFrame : null,
        DEFAULT_INTERVAL,
        DEFAULT_TIMEOUT,
        1);
  }

  /**
   * Any dialect: {@code pingFactory} makes the heartbeat for a sequence number (1, 2, …), and
   * {@code isPong} recognises an answer. Frames recognised as answers never reach the application.
   * Interval 60 s, timeout 5 s. A server cannot {@linkplain #answer(Frame) answer} this dialect;
   * use {@link #custom(LongFunction, Predicate, UnaryOperator)} for that.
   *
   * @since 0.1.0
   */
  public static Heartbeat custom(LongFunction<Frame> pingFactory, Predicate<Frame> isPong) {
    return custom(pingFactory, isPong, frame -> null);
  }

  /**
   * Any dialect, answerable by a server: as {@link #custom(LongFunction, Predicate)}, and {@code
   * answerer} returns the answer to a received frame if it is this dialect's heartbeat, or {@code
   * null} if it is not (see {@link #answer(Frame)}).
   *
   * @since 0.1.0
   */
  public static Heartbeat custom(
      LongFunction<Frame> pingFactory,
      Predicate<Frame> isPong,
      UnaryOperator<@Nullable Frame> answerer) {
    Objects.requireNonNull(pingFactory, "pingFactory");
    Objects.requireNonNull(isPong, "isPong");
    Objects.requireNonNull(answerer, "answerer");
    return new Heartbeat(
        "custom", pingFactory, isPong, answerer, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, 1);
  }

  /**
   * A copy with the quiet interval after which a heartbeat is sent (C2). Defaults to 60 s.
   *
   * @throws IllegalArgumentException if {@code interval} is not positive
   * @since 0.1.0
   */
  public Heartbeat interval(Duration interval) {
    return new Heartbeat(
        dialect,
        pingFactory,
        pongPredicate,
        answerer,
        positive(interval, "interval"),
        timeout,
        unansweredLimit);
  }

  /**
   * A copy with the time the peer has to send any frame after a heartbeat before it is declared
   * dead (C3). Defaults to 5 s.
   *
   * @throws IllegalArgumentException if {@code timeout} is not positive
   * @since 0.1.0
   */
  public Heartbeat timeout(Duration timeout) {
    return new Heartbeat(
        dialect,
        pingFactory,
        pongPredicate,
        answerer,
        interval,
        positive(timeout, "timeout"),
        unansweredLimit);
  }

  /**
   * A copy that declares the peer dead only after {@code limit} consecutive heartbeats went
   * unanswered (C10), for lossy links where one late answer is normal. Defaults to 1: the first
   * heartbeat that nothing follows within {@link #timeout()} is fatal, as in C3.
   *
   * <p>Exactly: after {@link #interval()} of silence heartbeat 1 goes; each heartbeat that nothing
   * at all follows within {@link #timeout()} is unanswered, and while fewer than {@code limit} are,
   * the next one goes at that instant. So a peer silent since {@code s} gets heartbeats at {@code s
   * + I + k·T} for {@code k = 0 .. limit-1} and is dead at {@code s + I + limit·T}. Any frame from
   * the peer in between proves life: the count starts again at 0 and the next heartbeat goes {@code
   * I} after that frame.
   *
   * @throws IllegalArgumentException if {@code limit} is below 1
   * @since 0.2.0
   */
  public Heartbeat unansweredLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException(
          "heartbeat unansweredLimit must be at least 1 (the heartbeat whose timeout declares the"
              + " peer dead), was "
              + limit);
    }
    return new Heartbeat(dialect, pingFactory, pongPredicate, answerer, interval, timeout, limit);
  }

  /**
   * How many consecutive heartbeats must go unanswered before the peer is dead; 1 by default.
   *
   * @since 0.2.0
   */
  public int unansweredLimit() {
    return unansweredLimit;
  }

  /**
   * The quiet interval after which a heartbeat is sent.
   *
   * @since 0.1.0
   */
  public Duration interval() {
    return interval;
  }

  /**
   * The time the peer has to answer a heartbeat.
   *
   * @since 0.1.0
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The heartbeat frame with sequence number {@code sequence} (1 for a connection's first).
   *
   * @since 0.1.0
   */
  public Frame newPing(long sequence) {
    return pingFactory.apply(sequence);
  }

  /**
   * Whether {@code frame} is an answer to a heartbeat, and so heartbeat traffic that the
   * application never sees (C8). Ping and pong control frames are always heartbeat traffic,
   * whatever the dialect.
   *
   * @since 0.1.0
   */
  public boolean isPong(Frame frame) {
    return pongPredicate.test(frame);
  }

  /** Whether this is the RFC 6455 ping/pong dialect, with any interval and timeout. */
  boolean isRfcPing() {
    return dialect.equals("ping");
  }

  /**
   * The answer a server sends when it receives {@code frame}, if {@code frame} is this dialect's
   * heartbeat; empty otherwise. The server side of Lifeline uses it to answer clients: {@link
   * #ping()} answers a ping with a pong carrying the same payload, {@link #text(String, String)}
   * answers the ping text with the pong text, {@link #custom(LongFunction, Predicate,
   * UnaryOperator)} with its {@code answerer}; the two-argument {@code custom} answers nothing.
   *
   * @since 0.1.0
   */
  public Optional<Frame> answer(Frame frame) {
    return Optional.ofNullable(answerer.apply(frame));
  }

  @Override
  public String toString() {
    return "Heartbeat["
        + dialect
        + ", interval="
        + interval
        + ", timeout="
        + timeout
        + (unansweredLimit == 1 ? "" : ", unansweredLimit=" + unansweredLimit)
        + "]";
  }

  private static Frame rfcPing(long sequence) {
    return Frame.ping(ByteBuffer.allocate(Long.BYTES).putLong(0, sequence));
  }

  private static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("heartbeat " + name + " must be positive, was " + value);
    }
    return value;
  }
}
