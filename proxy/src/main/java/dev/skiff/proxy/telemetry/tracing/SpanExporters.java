package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.telemetry.TracingPolicy;
import dev.skiff.proxy.telemetry.TracingProvider;
import io.netty.channel.EventLoopGroup;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Sends each finished span to the provider its listener names ({@link TracingPolicy#provider()}): one exporter per
 * provider, made when its first span arrives (OTLP over gRPC, OTLP/HTTP or Zipkin, each to the endpoints of the
 * provider's cluster), or to the sidecar's own collector ({@code --zipkin-address}) for listeners without one.
 */
public final class SpanExporters implements SpanSink, AutoCloseable {
    private final SpanSink sidecarCollector;
    private final LocalEndpoint local;
    private final Supplier<ProxyConfigSnapshot> snapshot;
    private final Supplier<? extends EventLoopGroup> eventLoops;
    private final ConcurrentHashMap<TracingProvider, CollectorExporter> exporters = new ConcurrentHashMap<>();

    /**
     * @param sidecarCollector the sidecar's own collector, null when it has none
     * @param local            how the sidecar is named in its spans
     * @param snapshot         the configuration in force, whose endpoints the providers' clusters have
     * @param eventLoops       the proxy's event loops, which serve the gRPC exporters' connections
     */
    public SpanExporters(SpanSink sidecarCollector, LocalEndpoint local, Supplier<ProxyConfigSnapshot> snapshot,
                         Supplier<? extends EventLoopGroup> eventLoops) {
        this.sidecarCollector = sidecarCollector;
        this.local = Objects.requireNonNull(local, "local");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.eventLoops = Objects.requireNonNull(eventLoops, "eventLoops");
    }

    @Override
    public boolean accepts(TracingPolicy policy) {
        return policy.provider() != null || sidecarCollector != null;
    }

    @Override
    public boolean offer(Span span) {
        TracingProvider provider = span.request().telemetry().tracing().provider();
        if (provider == null) {
            return sidecarCollector != null && sidecarCollector.offer(span);
        }
        CollectorExporter exporter = exporters.get(provider);
        if (exporter == null) {
            exporter = exporters.computeIfAbsent(provider, this::create);
        }
        return exporter.offer(span);
    }

    private CollectorExporter create(TracingProvider provider) {
        ClusterEndpoints endpoints = new ClusterEndpoints(snapshot, provider.cluster());
        int capacity = CollectorExporter.DEFAULT_CAPACITY;
        int batch = CollectorExporter.DEFAULT_MAX_BATCH;
        return switch (provider.protocol()) {
            case OTLP_GRPC -> new OtlpGrpcExporter(endpoints, provider, local, eventLoops, capacity, batch,
                    CollectorExporter.DEFAULT_LINGER);
            case OTLP_HTTP -> new OtlpHttpExporter(endpoints, provider, local, capacity, batch,
                    CollectorExporter.DEFAULT_LINGER);
            case ZIPKIN -> new ZipkinExporter(endpoints, provider.path(), provider.timeout(),
                    provider.authority() + provider.path() + " (" + provider.cluster() + ")", local, capacity, batch,
                    CollectorExporter.DEFAULT_LINGER);
        };
    }

    /** Sends what every exporter still has queued, then stops them. */
    @Override
    public void close() {
        exporters.values().forEach(CollectorExporter::close);
    }
}
