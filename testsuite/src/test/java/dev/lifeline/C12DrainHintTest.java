package dev.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeline.ConnectionEvent.Connecting;
import dev.lifeline.ConnectionEvent.ReconnectScheduled;
import dev.lifeline.support.VirtualClock;
import dev.lifeline.support.VirtualClock.Supervised;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.util.retry.Retry;

/**
 * C12: a server that drains with a hint (status 1001, 1012 or 1013, reason ending {@code "reconnect
 * within N ms"}) spreads its clients' return: the first reconnect of the outage that close starts
 * waits a uniformly random point {@code u} in {@code [0, N]} ms, then the retry policy's own delay
 * {@code d}, so it goes at {@code close + u + d}. Later attempts of the outage follow the policy
 * alone; without a hint (or with another status) the reconnect is at {@code close + d} exactly.
 */
class C12DrainHintTest {
  private static final String HINTED = "service restart; reconnect within 10000 ms";
  private static final long D = 5_000;

  private final VirtualClock clock = new VirtualClock();
  private final List<Disposable> reading = new ArrayList<>();

  private Supervised connect() {
    Supervised supervised = clock.connect(s -> s.retry(Retry.fixedDelay(5, Duration.ofMillis(D))));
    reading.add(supervised.connection().inbound().subscribe());
    return supervised;
  }

  private static long millis(Connecting event) {
    return event.time().toEpochMilli();
  }

  @Test
  void aHintedCloseSpreadsEachClientsFirstReconnectOverTheHintAfterThePolicysDelay() {
    int clients = 60;
    List<Supervised> fleet = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      fleet.add(connect());
    }
    clock.advanceTo(1_000);
    clock.transport.peers().forEach(peer -> peer.close(1012, HINTED));
    clock.advance(D + 10_000);

    Set<Long> instants = new TreeSet<>();
    for (Supervised client : fleet) {
      client.events().nextSkippingOthers(Connecting.class); // the first connection
      ReconnectScheduled scheduled = client.events().nextSkippingOthers(ReconnectScheduled.class);
      Connecting again = client.events().nextSkippingOthers(Connecting.class);
      long at = millis(again);
      assertThat(at).as("close + u + d, u in [0, 10000]").isBetween(1_000 + D, 1_000 + D + 10_000);
      assertThat(scheduled.time().toEpochMilli()).as("announced at the close").isEqualTo(1_000);
      assertThat(scheduled.delay())
          .as("the reported delay is u + d")
          .isEqualTo(Duration.ofMillis(at - 1_000));
      instants.add(at);
    }
    // 60 uniform draws from 10 001 instants: all but a handful distinct, never one burst
    assertThat(instants).as("distinct reconnect instants").hasSizeGreaterThan(clients / 2);
    assertThat(clock.transport.attempts()).isEqualTo(2 * clients);
    reading.forEach(Disposable::dispose);
  }

  @Test
  void withoutAHintTheReconnectIsAtThePolicysDelayExactly() {
    Supervised client = connect();
    clock.advanceTo(1_000);
    clock.transport.lastPeer().close(1012, "service restart");
    clock.advance(D - 1);
    assertThat(clock.transport.attempts()).isEqualTo(1);
    clock.advance(1);
    assertThat(clock.transport.attempts()).isEqualTo(2);
    client.events().nextSkippingOthers(Connecting.class);
    assertThat(millis(client.events().nextSkippingOthers(Connecting.class))).isEqualTo(1_000 + D);
    reading.forEach(Disposable::dispose);
  }

  @Test
  void aHintUnderAnotherStatusIsIgnored() {
    connect();
    clock.advanceTo(1_000);
    clock.transport.lastPeer().close(1011, HINTED);
    clock.advance(D);
    assertThat(clock.transport.attempts()).isEqualTo(2);
    reading.forEach(Disposable::dispose);
  }

  @Test
  void onlyTheOutagesFirstReconnectIsSpread() {
    Supervised client = connect();
    clock.advanceTo(1_000);
    clock.transport.refuse(new ConnectException("Connection refused"));
    clock.transport.lastPeer().close(1001, "going away; reconnect within 3000 ms");
    clock.advance(D + 3_000);
    client.events().nextSkippingOthers(Connecting.class);
    long first = millis(client.events().nextSkippingOthers(Connecting.class));
    assertThat(first).isBetween(1_000 + D, 1_000 + D + 3_000);

    clock.advanceTo(first + D - 1);
    assertThat(clock.transport.attempts()).isEqualTo(2);
    clock.advance(1);
    assertThat(clock.transport.attempts()).as("refused, then d alone").isEqualTo(3);
    reading.forEach(Disposable::dispose);
  }

  @Test
  void aSecondHintedCloseBeforeTheConnectionProvedAliveIsNotSpreadAgain() {
    Supervised client = connect();
    clock.advanceTo(1_000);
    clock.transport.lastPeer().close(1012, "service restart; reconnect within 3000 ms");
    clock.advance(D + 3_000);
    assertThat(clock.transport.attempts()).isEqualTo(2);
    client.events().nextSkippingOthers(Connecting.class);
    long back = millis(client.events().nextSkippingOthers(Connecting.class));

    // the same outage: the new connection delivered nothing, so the hint is not honoured twice
    clock.advanceTo(back + 10);
    clock.transport.lastPeer().close(1012, "service restart; reconnect within 3000 ms");
    clock.advance(D - 1);
    assertThat(clock.transport.attempts()).isEqualTo(2);
    clock.advance(1);
    assertThat(clock.transport.attempts()).as("close + d exactly").isEqualTo(3);
    reading.forEach(Disposable::dispose);
  }

  @Test
  void aHintBeyondFiveMinutesIsHonouredAsFiveMinutes() {
    Supervised client = connect();
    clock.advanceTo(1_000);
    clock.transport.lastPeer().close(1012, "service restart; reconnect within 999999999 ms");
    clock.advance(D + 300_000);
    // (later attempts may follow: the new connection's silent peer is found dead meanwhile)
    client.events().nextSkippingOthers(Connecting.class);
    assertThat(millis(client.events().nextSkippingOthers(Connecting.class)))
        .as("reconnected within the 5 min cap, not days later")
        .isBetween(1_000 + D, 1_000 + D + 300_000);
    reading.forEach(Disposable::dispose);
  }

  @Test
  void closingWhileWaitingWithinTheHintCancelsTheWaitAndNoReconnectFollows() {
    Supervised client = connect();
    clock.advanceTo(1_000);
    clock.transport.lastPeer().close(1012, "service restart; reconnect within 200000 ms");
    clock.advance(D + 1); // the policy's delay is over: the hint's wait is pending

    client.connection().close().block(Duration.ofSeconds(1));
    clock.advance(200_000 + D);

    assertThat(clock.transport.attempts()).isEqualTo(1);
    assertThat(clock.scheduler.pending()).as("timers left").isZero();
    assertThat(client.connection().state()).isEqualTo(ConnectionState.CLOSED);
  }
}
