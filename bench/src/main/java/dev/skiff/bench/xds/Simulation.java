package dev.skiff.bench.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Drives one run: opens one ADS stream per simulated sidecar over a few shared channels, waits for the initial
 * sync, measures the control plane's memory, then applies route and endpoint changes one at a time to the config
 * directory and times each until every sidecar has ACKed it.
 */
final class Simulation {
    private static final int MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

    /**
     * @param target            the control plane's ADS address (loopback)
     * @param controlPlane      name of what serves, for the report
     * @param mesh              the mesh the config directory holds
     * @param configDir         the directory the control plane reads; changes are written there
     * @param delta             incremental xDS instead of state of the world
     * @param nodeOnEveryRequest the node on every request (Envoy's default), not only on the first (Istio's setting)
     * @param warmupChanges     changes of each kind applied first and left out of the figures (JIT warm-up)
     * @param changes           changes of each kind (route, endpoint), interleaved
     * @param streamsPerChannel ADS streams sharing one channel
     * @param eventLoopThreads  threads of the event loop all channels share (responses are handled on it)
     * @param settle            wait after a change converged (bytes and CPU still counted) and after the sync
     * @param syncTimeout       the longest the initial sync may take
     * @param changeTimeout     the longest a change may take to reach every sidecar
     * @param runId             makes this run's route tokens unique
     */
    record Options(InetSocketAddress target, String controlPlane, BenchMesh mesh, Path configDir, boolean delta,
                   boolean nodeOnEveryRequest, int warmupChanges, int changes, int streamsPerChannel,
                   int eventLoopThreads, Duration settle, Duration syncTimeout, Duration changeTimeout, String runId) {
        Options {
            Objects.requireNonNull(target, "target");
            if (!target.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("--target " + target + " is not a loopback address; benchmark"
                        + " traffic stays on this machine (expected 127.0.0.0/8 or ::1)");
            }
            if (warmupChanges < 0) {
                throw new IllegalArgumentException("--warmup-changes: " + warmupChanges + " (expected >= 0)");
            }
            if (changes < 0) {
                throw new IllegalArgumentException("--changes: " + changes + " (expected >= 0)");
            }
            if (streamsPerChannel < 1) {
                throw new IllegalArgumentException("--streams-per-channel: " + streamsPerChannel + " (expected >= 1)");
            }
            if (eventLoopThreads < 1) {
                throw new IllegalArgumentException("--threads: " + eventLoopThreads + " (expected >= 1)");
            }
        }
    }

    private final Options options;
    private final ProcessMeter meter;
    private final PrintStream log;

    /**
     * @param meter the control plane's process, or {@code null} to skip CPU and memory figures (tests)
     */
    Simulation(Options options, ProcessMeter meter, PrintStream log) {
        this.options = options;
        this.meter = meter;
        this.log = log;
    }

    SimResult run() throws IOException, InterruptedException {
        BenchMesh mesh = options.mesh();
        int n = mesh.proxies();
        SimulationState state = new SimulationState(n);
        long rssBefore = meter == null ? 0 : meter.rssBytes();
        long heapBefore = meter == null ? 0 : meter.heapUsedAfterGc();
        int channelCount = (n + options.streamsPerChannel() - 1) / options.streamsPerChannel();
        EventLoopGroup group = new NioEventLoopGroup(options.eventLoopThreads());
        List<ManagedChannel> channels = new ArrayList<>(channelCount);
        List<SimulatedProxy<?, ?>> proxies = new ArrayList<>(n);
        try {
            for (int c = 0; c < channelCount; c++) {
                channels.add(NettyChannelBuilder.forAddress(options.target())
                        .eventLoopGroup(group)
                        .channelType(NioSocketChannel.class)
                        .directExecutor()
                        .usePlaintext()
                        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                        .build());
            }
            log.printf(Locale.ROOT, "%s: %d %s sidecars over %d channels, %d services%n", options.controlPlane(), n,
                    protocol(), channelCount, mesh.services());
            long syncStart = System.nanoTime();
            for (int i = 0; i < n; i++) {
                var stub = AggregatedDiscoveryServiceGrpc.newStub(channels.get(i / options.streamsPerChannel()));
                Node node = node(mesh, i);
                if (options.delta()) {
                    SimulatedProxy<DeltaDiscoveryRequest, DeltaDiscoveryResponse> proxy =
                            new SimulatedProxy<>(i, new DeltaSession(node, options.nodeOnEveryRequest()), state);
                    proxies.add(proxy);
                    proxy.start(stub::deltaAggregatedResources);
                } else {
                    SimulatedProxy<DiscoveryRequest, DiscoveryResponse> proxy =
                            new SimulatedProxy<>(i, new SotwSession(node, options.nodeOnEveryRequest()), state);
                    proxies.add(proxy);
                    proxy.start(stub::streamAggregatedResources);
                }
            }
            if (!state.awaitSynced(options.syncTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(options.controlPlane() + ": only " + state.syncedCount() + " of " + n
                        + " sidecars synced within " + options.syncTimeout().toSeconds() + " s (stream failures: "
                        + state.failures() + (state.firstFailure() == null ? "" : ", first: " + state.firstFailure())
                        + ")");
            }
            double syncSeconds = (System.nanoTime() - syncStart) / 1e9;
            long syncBytes = state.bytesReceived();
            log.printf(Locale.ROOT, "  synced in %.2f s, %.1f MB received%n", syncSeconds, syncBytes / 1e6);
            Thread.sleep(options.settle());
            long rssAfter = meter == null ? 0 : meter.rssBytes();
            long heapAfter = meter == null ? 0 : meter.heapUsedAfterGc();
            SimResult.Memory memory = new SimResult.Memory(rssBefore, rssAfter, heapBefore, heapAfter,
                    (double) (rssAfter - rssBefore) / n, (double) (heapAfter - heapBefore) / n);
            if (meter != null) {
                log.printf(Locale.ROOT, "  control plane: RSS %.1f -> %.1f MB, heap after GC %.1f -> %.1f MB"
                                + " (%.1f KB RSS, %.1f KB heap per sidecar)%n", rssBefore / 1e6, rssAfter / 1e6,
                        heapBefore / 1e6, heapAfter / 1e6, memory.rssPerProxy() / 1e3, memory.heapPerProxy() / 1e3);
            }
            List<SimResult.Change> changes = new ArrayList<>();
            int first = mesh.addedEndpoints(options.configDir()) + 1;
            int total = options.warmupChanges() + options.changes();
            for (int k = first; k < first + total; k++) {
                SimResult.Change route = apply(state, new ChangeProbe(k, ChangeProbe.ChangeKind.ROUTE,
                        XdsTypes.ROUTE, BenchMesh.routeToken(options.runId(), k)));
                SimResult.Change endpoint = apply(state, new ChangeProbe(k, ChangeProbe.ChangeKind.ENDPOINT,
                        XdsTypes.ENDPOINT, BenchMesh.addedEndpointAddress(k)));
                if (k >= first + options.warmupChanges()) {
                    changes.add(route);
                    changes.add(endpoint);
                }
            }
            return new SimResult("xds", options.controlPlane(), protocol(), n, mesh.services(), channelCount,
                    syncSeconds, syncBytes, memory, List.copyOf(changes), summarize(changes, n), state.failures(),
                    state.firstFailure());
        } finally {
            for (SimulatedProxy<?, ?> proxy : proxies) {
                proxy.stop();
            }
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private String protocol() {
        return options.delta() ? "delta" : "sotw";
    }

    private SimResult.Change apply(SimulationState state, ChangeProbe probe) throws IOException, InterruptedException {
        ChangeTracker tracker = state.track(probe);
        long bytesBefore = state.bytesReceived();
        double cpuBefore = meter == null ? 0 : meter.cpuSeconds();
        long start = System.nanoTime();
        switch (probe.kind()) {
            case ROUTE -> options.mesh().writeRoute(options.configDir(), probe.token());
            case ENDPOINT -> options.mesh().writeAddedEndpoint(options.configDir(), probe.sequence());
        }
        boolean converged = tracker.await(options.changeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        Double millis = converged ? (tracker.lastAck() - start) / 1e6 : null;
        Thread.sleep(options.settle());
        long bytes = state.bytesReceived() - bytesBefore;
        double cpu = meter == null ? 0 : meter.cpuSeconds() - cpuBefore;
        int n = options.mesh().proxies();
        if (converged) {
            log.printf(Locale.ROOT, "  %s: all %d sidecars ACKed in %.1f ms, %.2f MB sent, %.2f CPU s%n", probe, n,
                    millis, bytes / 1e6, cpu);
        } else {
            log.printf(Locale.ROOT, "  %s: only %d of %d sidecars ACKed within %d s%n", probe, tracker.ackedCount(), n,
                    options.changeTimeout().toSeconds());
        }
        return new SimResult.Change(probe.sequence(), probe.kind().name().toLowerCase(Locale.ROOT), probe.token(),
                tracker.ackedCount(), millis, bytes, cpu);
    }

    static List<SimResult.Summary> summarize(List<SimResult.Change> changes, int proxies) {
        List<SimResult.Summary> summaries = new ArrayList<>();
        for (ChangeProbe.ChangeKind kind : ChangeProbe.ChangeKind.values()) {
            String name = kind.name().toLowerCase(Locale.ROOT);
            List<SimResult.Change> ofKind = changes.stream().filter(c -> c.kind().equals(name)).toList();
            if (ofKind.isEmpty()) {
                continue;
            }
            double[] millis = ofKind.stream().filter(c -> c.convergenceMillis() != null)
                    .mapToDouble(SimResult.Change::convergenceMillis).toArray();
            double meanBytes = Percentiles.mean(ofKind.stream().mapToDouble(SimResult.Change::bytes).toArray());
            double meanCpu = Percentiles.mean(ofKind.stream().mapToDouble(SimResult.Change::cpuSeconds).toArray());
            summaries.add(new SimResult.Summary(name, ofKind.size(), millis.length,
                    millis.length == 0 ? null : Percentiles.nearestRank(millis, 50),
                    millis.length == 0 ? null : Percentiles.nearestRank(millis, 99),
                    millis.length == 0 ? null : Percentiles.nearestRank(millis, 100),
                    meanBytes, meanBytes / proxies, meanCpu));
        }
        return List.copyOf(summaries);
    }

    /** The node a sidecar of the mesh sends, with the metadata Istio's sidecars carry. */
    static Node node(BenchMesh mesh, int proxy) {
        int service = mesh.serviceOf(proxy);
        Struct labels = Struct.newBuilder()
                .putFields("app", string(mesh.serviceName(service)))
                .putFields("version", string("v1"))
                .build();
        Struct metadata = Struct.newBuilder()
                .putFields("NAMESPACE", string(mesh.proxyNamespace(proxy)))
                .putFields("WORKLOAD_NAME", string(mesh.workload(proxy)))
                .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
                .putFields("INSTANCE_IPS", string(mesh.proxyAddress(proxy)))
                .build();
        return Node.newBuilder().setId(mesh.nodeId(proxy)).setMetadata(metadata)
                .setUserAgentName("skiff-bench-xds-sim").build();
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
