#!/usr/bin/env python3
"""Sums the per-connection diff (diff.py's table) into groups by the code that creates each class,
as traced with referrer chains in a heap dump (see analysis.md). Classes shared between groups are
split by instance count. Usage: groups.py diff-raw-vs-lifeline-1000.md"""
import re, sys, collections
G = {  # class (suffix match) -> [(group, instances per connection)]
 # A. retryWhen + the Outage companion (SupervisedConnection.java:113, Outage.java:64-92)
 'FluxRetryWhen$RetryWhenMainSubscriber': [('A', 1)], 'FluxRetryWhen$RetryWhenOtherSubscriber': [('A', 1)],
 'SinkManyEmitterProcessor': [('A', 1)], 'SinkManyEmitterProcessor$EmitterInner': [('A', 1)],
 '[Lreactor.core.publisher.FluxPublish$PubSubInner;': [('A', 1)], 'Operators$DeferredSubscription': [('A', 1)],
 'SerializedSubscriber': [('A', 1), ('C', 1)], 'SinkManySerialized': [('A', 1), ('E', 1)],
 'FluxContextWrite$ContextWriteSubscriber': [('A', 2), ('C', 2)], 'reactor.util.context.Context1': [('A', 1), ('C', 2)],
 'FluxConcatMap$ConcatMapInner': [('A', 1)], 'FluxConcatMapNoPrefetch$FluxConcatMapNoPrefetchSubscriber': [('A', 1)],
 'FluxDeferContextual': [('A', 1)], 'FluxHandle$HandleConditionalSubscriber': [('A', 1)],
 'FluxTakeUntilOther$TakeUntilMainSubscriber': [('A', 1), ('C', 1)], 'FluxTakeUntilOther$TakeUntilOtherSubscriber': [('A', 1)],
 'SinkEmptyMulticast$VoidInner': [('A', 1)], 'reactor.util.retry.RetryBackoffSpec$$Lambda': [('A', 4)],
 'reactor.util.retry.RetryBackoffSpec': [('A', 1)], 'reactor.util.retry.Retry$1': [('A', 1)],
 'dev.lifeline.internal.Outage': [('A', 1)], 'dev.lifeline.internal.Outage$Observing': [('A', 1)],
 'dev.lifeline.internal.Outage$$Lambda': [('A', 3)], 'FluxDefer': [('A', 1)],
 'dev.lifeline.SupervisedConnection$EndSubscriber': [('A', 1)],
 'reactor.core.publisher.FluxPeekFuseable$PeekFuseableSubscriber': [('C', 1)],
 # B. SupervisedConnection's own fields (SupervisedConnection.java:64-68, 98)
 'dev.lifeline.SupervisedConnection': [('B', 1)], 'SinkEmptySerialized': [('B', 2)], 'SinkEmptyMulticast': [('B', 2)],
 '[Lreactor.core.publisher.SinkEmptyMulticast$Inner;': [('B', 2)], 'java.util.concurrent.atomic.AtomicBoolean': [('B', 2), ('C', 1)],
 'java.util.concurrent.atomic.AtomicReference': [('B', 1), ('F', 2)], 'dev.lifeline.SupervisedConnection$$Lambda': [('B', 1), ('C', 4)],
 # C. attempt() chain kept by flatMapMany (SupervisedConnection.java:216-231, WebSocketAttempt.java:59-78)
 'MonoPeekFuseable': [('C', 1)], 'MonoPeekTerminal': [('C', 1)], 'MonoPeekTerminal$MonoTerminalPeekSubscriber': [('C', 1)],
 'MonoContextWrite': [('C', 1)], 'MonoTakeUntilOther': [('C', 1)], 'MonoSwitchIfEmpty': [('C', 1)],
 'FluxSwitchIfEmpty$SwitchIfEmptySubscriber': [('C', 1)], 'MonoErrorSupplied': [('C', 1)], 'MonoDefer': [('C', 1), ('G', 1)],
 'MonoFlatMapMany$FlatMapManyMain': [('C', 1)], 'MonoFlatMapMany$FlatMapManyInner': [('C', 1)],
 'MonoCreate$DefaultMonoSink': [('C', 1)], 'reactor.core.publisher.Operators$$Lambda': [('C', 3)],
 'dev.lifeline.SupervisedConnection$Attempt': [('C', 1)], 'dev.lifeline.SupervisedConnection$Attempt$$Lambda': [('C', 2)],
 # D. LiveConnection (the heartbeat watchdog; raw's counterpart is Flux.interval + timeout)
 'dev.lifeline.internal.LiveConnection': [('D', 1)], 'Disposables$SwapDisposable': [('D', 1)],
 'dev.lifeline.internal.LiveConnection$$Lambda': [('D', 1)],
 'io.netty.util.concurrent.ScheduledFutureTask': [('D', 1), ('F', 1)],
 # E. EventLog (SupervisedConnection.java:83, EventLog.java:179) and the fleet's events() subscription
 'dev.lifeline.internal.EventLog': [('E', 1)], 'SinkManyBestEffort': [('E', 1)],
 'SinkManyBestEffort$DirectInner': [('M', 1)], '[Lreactor.core.publisher.SinkManyBestEffort$DirectInner;': [('M', 1)],
 'reactor.core.publisher.LambdaSubscriber': [('M', 2)], 'dev.lifeline.bench.scale.LifelineFleet$State': [('M', 1)],
 'dev.lifeline.bench.scale.LifelineFleet$$Lambda': [('M', 2)], 'dev.lifeline.bench.scale.RawFleet$State': [('M', 1)],
 'dev.lifeline.bench.scale.RawFleet$$Lambda': [('M', 6)],
 # F. WebSocketTransport.httpClient() per attempt + WebSocketAttempt kept by its doOnConnected
 'java.util.HashMap': [('F', 1)], 'java.util.HashMap$Node': [('F', 2)], '[Ljava.util.HashMap$Node;': [('F', 1)],
 'java.util.HashMap$EntrySet': [('F', 1)], 'java.lang.Integer': [('F', 1)],
 'io.netty.handler.codec.DefaultHeaders': [('F', 1)], '[Lio.netty.handler.codec.DefaultHeaders$HeaderEntry;': [('F', 1)],
 'io.netty.handler.codec.DefaultHeaders$HeaderEntry': [('F', 1)], 'io.netty.handler.codec.http.DefaultHttpHeaders': [('F', 1)],
 'reactor.netty.http.client.HttpConnectionProvider': [('F', 1)], 'reactor.netty.http.client.HttpResponseDecoderSpec': [('F', 1)],
 '[Lreactor.netty.http.HttpProtocol;': [('F', 1)], 'reactor.netty.transport.ClientTransportConfig$ClientTransportDoOn': [('F', 1)],
 'dev.lifeline.netty.WebSocketTransport$$Lambda': [('F', 1)], 'java.util.function.Consumer$$Lambda': [('F', 1)],
 'reactor.netty.http.client.HttpClientConfig$$Lambda': [('F', 1)],
 'dev.lifeline.netty.WebSocketAttempt': [('F', 1)], 'dev.lifeline.netty.WebSocketAttempt$$Lambda': [('F', 4)],
 'java.util.concurrent.atomic.AtomicInteger': [('F', 1), ('A', 1), ('H', 1)],
 # G. WebSocketConnection (WebSocketConnection.java:59-95)
 'dev.lifeline.netty.WebSocketConnection': [('G', 1)], 'dev.lifeline.netty.WebSocketConnection$$Lambda': [('G', 5)],
 'io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator': [('G', 1)], 'io.netty.channel.DefaultChannelHandlerContext': [('G', 2)],
 'FluxFirstWithSignal$FirstEmittingSubscriber': [('G', 2)], '[Lreactor.core.publisher.FluxFirstWithSignal$FirstEmittingSubscriber;': [('G', 1)],
 'FluxFirstWithSignal$RaceCoordinator': [('G', 1)], 'SinkOneMulticast$NextInner': [('G', 1)], 'LambdaMonoSubscriber': [('G', 1)],
 'reactor.netty.FutureMono$FutureSubscription': [('G', 1)],
 'FluxHandle': [('A', 1), ('G', 1)], 'FluxHandle$HandleSubscriber': [('G', 1)], 'FluxConcatArray$ConcatArraySubscriber': [('G', 1)],
 '[Lorg.reactivestreams.Publisher;': [('G', 1)], 'MonoSubscribeOn': [('G', 1)], 'reactor.core.scheduler.ExecutorScheduler': [('G', 1)],
 'FluxOnErrorResume$ResumeSubscriber': [('G', 1)], 'FluxSource': [('G', 1)],
 # H. OutboundBuffer (SupervisedConnection.java:85, OutboundBuffer.java:50-51, 83)
 'dev.lifeline.internal.OutboundBuffer': [('H', 1)], 'dev.lifeline.internal.OutboundBuffer$Outbound': [('H', 1)],
 'reactor.util.concurrent.MpscLinkedQueue': [('H', 1)], 'reactor.util.concurrent.MpscLinkedQueue$LinkedQueueNode': [('H', 1)],
}
NAMES = {'A': 'retryWhen + Outage companion + RetryBackoffSpec copy', 'B': 'SupervisedConnection object, flags, 2 Sinks.empty',
 'C': 'attempt() Mono chain kept alive by flatMapMany', 'D': 'LiveConnection + its timer (heartbeat; raw: interval + timeout)',
 'E': 'EventLog + its sink', 'F': 'per-attempt HttpClient config + WebSocketAttempt it retains',
 'G': 'WebSocketConnection: aggregator, own handler, receiveCloseStatus subscription, inbound() chain',
 'H': 'OutboundBuffer + queue + Outbound', 'M': 'fleet measurement (State, lambdas, events() subscription)',
 'R': "raw's hand-rolled heartbeat and chain (negative)", '?': 'other / unattributed'}
sums = collections.Counter()
for line in open(sys.argv[1]):
    m = re.match(r'\| `([^`]+)` \| ([\d.]+) → ([\d.]+) \| ([-+][\d.]+) \| ([-+]\d+) \|$', line)
    if not m: 
        m2 = re.match(r'\| \(classes under .*\| ([-+]\d+) \|$', line)
        if m2: sums['?'] += int(m2[1])
        continue
    c = m[1].replace(' (java.base@17.0.15)', ''); dn = float(m[4]); db = int(m[5])
    key = next((k for k in sorted(G, key=len, reverse=True) if c == k or c.endswith('.' + k) or c.endswith(k) and k.startswith('[')), None)
    if db < 0 and key is None: sums['R'] += db; continue
    if key is None: sums['?'] += db; print('unmapped', c, db, file=sys.stderr); continue
    per = db / dn if dn else 0
    split = G[key]; tot = sum(n for _, n in split)
    for g, n in split:
        sums[g] += db * n / tot
for g in 'ABCDEFGHMR?':
    print(f'| {g} | {NAMES[g]} | {sums[g]:+.0f} |')
print(f'| | total | {sum(sums.values()):+.0f} |')
