package dev.lifeline.bench.socket;

import dev.lifeline.Resume;
import dev.lifeline.SupervisedConnection;
import dev.lifeline.Supervisor;
import dev.lifeline.bench.socket.EchoThroughput.Client;
import dev.lifeline.netty.ServerSupervisor;
import dev.lifeline.netty.WebSocketTransport;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * What resume costs on a streaming echo: raw Reactor Netty, Lifeline's streaming {@code send(Flux)}
 * without resume, and the same client with {@code lifeline.resume.v1} negotiated, each over its own
 * loopback socket, in one JVM, measured in rotating order round by round.
 *
 * <p>Two servers run side by side: a plain {@code ServerSupervisor} echo (for raw and "stream") and
 * one built with {@code resume(Resume.defaults())} (for "resume"), both {@code c ->
 * c.send(c.inbound())}. Each round streams {@code frames} 32-byte text frames and ends when the
 * last echo arrived. Allocation is the JVM's total over all threads during the round, per frame.
 *
 * <p>A last pass sends {@code ackFrames} frames through a {@link CountingRelay} on each Lifeline
 * client to count the bytes on the wire each way; the difference between resume and no resume,
 * divided by a control message's wire size, is the acknowledgement traffic.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.lifeline.bench.socket.ResumeThroughput
 * [frames=500000] [warmup=4] [rounds=8] [ackFrames=200000] [ackEvery=32] [replayFrames=1024]}
 */
public final class ResumeThroughput {
  /**
   * The resume settings of both ends: the defaults, or {@code ackEvery=<frames>} and {@code
   * replayFrames=<frames>}.
   */
  private static Resume settings = Resume.defaults();

  private ResumeThroughput() {}

  public static void main(String[] args) throws Exception {
    int frames = EchoThroughput.intArg(args, "frames", 500_000);
    int warmup = EchoThroughput.intArg(args, "warmup", 4);
    int rounds = EchoThroughput.intArg(args, "rounds", 8);
    int ackFrames = EchoThroughput.intArg(args, "ackFrames", 200_000);
    // the defaults read from the library at run time (a constant would be compiled in here)
    Resume defaults = Resume.defaults();
    int ackEvery = EchoThroughput.intArg(args, "ackEvery", defaults.ackEveryFrames());
    int replayFrames = EchoThroughput.intArg(args, "replayFrames", defaults.replayBufferFrames());
    settings =
        defaults
            .withAckEvery(ackEvery, Math.max(defaults.ackEveryBytes(), ackEvery * 1024L))
            .withReplayBufferFrames(replayFrames);

    DisposableServer plain = start(ServerSupervisor.builder().build());
    DisposableServer resuming = start(ServerSupervisor.builder().resume(settings).build());
    String plainUri = "ws://127.0.0.1:" + plain.port() + "/ws";
    String resumeUri = "ws://127.0.0.1:" + resuming.port() + "/ws";

    String[] names = {"raw", "stream", "resume"};
    Client[] clients = {
      EchoThroughput.rawClient(plainUri), stream(plainUri, false), stream(resumeUri, true)
    };
    String only = System.getProperty("only", "");
    if (!only.isEmpty()) {
      // profiling aid: one client alone, e.g. -Donly=resume under a sampling profiler
      Client alone = clients[Arrays.asList(names).indexOf(only)];
      for (int i = 0; i < warmup + rounds; i++) {
        long start = System.nanoTime();
        alone.round(frames);
        System.out.printf(
            Locale.ROOT, "%s %.0f frames/s%n", only, frames / ((System.nanoTime() - start) / 1e9));
      }
      System.exit(0);
    }
    for (int i = 0; i < warmup; i++) {
      for (Client c : clients) {
        c.round(frames);
      }
    }
    int n = clients.length;
    double[][] rates = new double[n][rounds];
    double[][] alloc = new double[n][rounds];
    for (int i = 0; i < rounds; i++) {
      for (int k = 0; k < n; k++) {
        int c = (i + k) % n;
        long bytes = EchoThroughput.allocatedBytes();
        long start = System.nanoTime();
        clients[c].round(frames);
        long elapsed = System.nanoTime() - start;
        alloc[c][i] = (EchoThroughput.allocatedBytes() - bytes) / (double) frames;
        rates[c][i] = frames / (elapsed / 1e9);
      }
      System.out.printf(
          Locale.ROOT,
          "round %d: raw %.0f/s (%.0f B/frame), stream %.0f/s (%.0f B/frame),"
              + " resume %.0f/s (%.0f B/frame), resume/stream %.3f, resume/raw %.3f%n",
          i + 1,
          rates[0][i],
          alloc[0][i],
          rates[1][i],
          alloc[1][i],
          rates[2][i],
          alloc[2][i],
          rates[2][i] / rates[1][i],
          rates[2][i] / rates[0][i]);
    }
    double raw = EchoThroughput.median(rates[0]);
    double stream = EchoThroughput.median(rates[1]);
    double resume = EchoThroughput.median(rates[2]);
    double[] ratio = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      ratio[i] = rates[2][i] / rates[1][i];
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT resume-echo frames=%d rounds=%d raw_median=%.0f stream_median=%.0f"
            + " resume_median=%.0f resume_vs_stream=%.3f resume_vs_stream_round_median=%.3f"
            + " resume_vs_raw=%.3f raw_B_per_frame=%.0f stream_B_per_frame=%.0f"
            + " resume_B_per_frame=%.0f%n",
        frames,
        rounds,
        raw,
        stream,
        resume,
        resume / stream,
        EchoThroughput.median(ratio),
        resume / raw,
        EchoThroughput.median(alloc[0]),
        EchoThroughput.median(alloc[1]),
        EchoThroughput.median(alloc[2]));

    // acknowledgement traffic: the same streaming echo through a byte-counting relay
    long[] off = wireBytes(plain.port(), false, ackFrames);
    long[] on = wireBytes(resuming.port(), true, ackFrames);
    // a control message is a pong of 13 payload bytes (ACK): 15 bytes from the server, 19 masked
    // from the client (RFC 6455 section 5.2)
    double upAcks = (on[0] - off[0]) / 19.0;
    double downAcks = (on[1] - off[1]) / 15.0;
    System.out.printf(
        Locale.ROOT,
        "RESULT resume-acks frames=%d up_bytes_off=%d up_bytes_on=%d down_bytes_off=%d"
            + " down_bytes_on=%d up_acks=%.0f down_acks=%.0f frames_per_ack_up=%.1f"
            + " frames_per_ack_down=%.1f acks_per_s_at_resume_median=%.0f%n",
        ackFrames,
        off[0],
        on[0],
        off[1],
        on[1],
        upAcks,
        downAcks,
        ackFrames / upAcks,
        ackFrames / downAcks,
        (upAcks + downAcks) / ackFrames * resume);
    Runtime.getRuntime().halt(0);
  }

  private static DisposableServer start(ServerSupervisor supervisor) {
    return HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .route(routes -> routes.get("/ws", supervisor.upgrade(c -> c.send(c.inbound()))))
        .bindNow();
  }

  /** Bytes client to server and server to client for one streaming echo of {@code frames}. */
  private static long[] wireBytes(int serverPort, boolean resume, int frames) throws Exception {
    try (CountingRelay relay = CountingRelay.start(serverPort)) {
      SupervisedConnection connection =
          supervisor("ws://127.0.0.1:" + relay.port() + "/ws", resume).connection();
      EchoThroughput.supervisedClient(connection, true).round(frames);
      // let the last acknowledgements of the round cross the relay before counting
      Thread.sleep(200);
      long[] counted = {relay.upstreamBytes(), relay.downstreamBytes()};
      connection.close().block(Duration.ofSeconds(5));
      return counted;
    }
  }

  /** Lifeline's streaming client of {@code uri}, with resume offered or not. */
  private static Client stream(String uri, boolean resume) throws InterruptedException {
    return EchoThroughput.supervisedClient(supervisor(uri, resume).connection(), true);
  }

  private static Supervisor supervisor(String uri, boolean resume) {
    Supervisor supervisor = Supervisor.create(WebSocketTransport.create(uri));
    return resume ? supervisor.resume(settings) : supervisor;
  }
}
