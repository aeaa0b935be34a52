package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.telemetry.ControlPlaneMetrics;
import dev.skiff.controlplane.telemetry.PushTrigger;
import dev.skiff.controlplane.xds.XdsResourceProvider;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * The Aggregated Discovery Service: clusters, endpoints, listeners and routes over one stream per proxy, in both the
 * state-of-the-world ({@code StreamAggregatedResources}) and the incremental ({@code DeltaAggregatedResources})
 * variants of the xDS protocol.
 *
 * <p>Each stream's work runs one task at a time on virtual threads, never on gRPC's threads. Call {@link #push()}
 * whenever the provider's output may have changed.
 */
public final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    private final XdsResourceProvider provider;
    private final ConnectedProxies proxies;
    private final Clock clock;
    private final Executor executor;
    private final ControlPlaneMetrics metrics;
    private final Set<AdsStream<?, ?>> streams = ConcurrentHashMap.newKeySet();

    /**
     * @param provider the generators' output per proxy and type
     * @param proxies  where connected streams are registered for the debug endpoints
     * @param clock    for connection and NACK times
     */
    public AdsService(XdsResourceProvider provider, ConnectedProxies proxies, Clock clock) {
        this(provider, proxies, clock, new ControlPlaneMetrics());
    }

    /**
     * @param provider the generators' output per proxy and type
     * @param proxies  where connected streams are registered for the debug endpoints
     * @param clock    for connection and NACK times
     * @param metrics  where connections, pushes, ACKs and NACKs are recorded
     */
    public AdsService(XdsResourceProvider provider, ConnectedProxies proxies, Clock clock,
                      ControlPlaneMetrics metrics) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.proxies = Objects.requireNonNull(proxies, "proxies");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("xds-stream-", 0).factory());
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(
            StreamObserver<DiscoveryResponse> responseObserver) {
        SotwStream stream = new SotwStream(this, responseObserver);
        streams.add(stream);
        return stream;
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
            StreamObserver<DeltaDiscoveryResponse> responseObserver) {
        DeltaStream stream = new DeltaStream(this, responseObserver);
        streams.add(stream);
        return stream;
    }

    /**
     * The configuration changed: every connected stream recomputes its subscribed types and sends, in CDS, EDS,
     * LDS, RDS order, those whose content changed for it. Returns at once; pushes that pile up on a busy stream
     * are coalesced into one.
     */
    public void push() {
        push(PushTrigger.CONFIG);
    }

    /** Like {@link #push()}, counting the push under {@code trigger} in {@code pilot_push_triggers}. */
    public void push(PushTrigger trigger) {
        metrics.pushTriggered(trigger);
        if (AdsStream.log.isDebugEnabled()) {
            AdsStream.log.debug("push for snapshot {} to {} streams", provider.snapshotVersion(), streams.size());
        }
        for (AdsStream<?, ?> stream : streams) {
            stream.schedulePush();
        }
    }

    /** Open ADS streams, including those that have not identified themselves yet. */
    public int streamCount() {
        return streams.size();
    }

    XdsResourceProvider provider() {
        return provider;
    }

    ConnectedProxies proxies() {
        return proxies;
    }

    Clock clock() {
        return clock;
    }

    Executor executor() {
        return executor;
    }

    ControlPlaneMetrics metrics() {
        return metrics;
    }

    void streamClosed(AdsStream<?, ?> stream) {
        streams.remove(stream);
    }
}
