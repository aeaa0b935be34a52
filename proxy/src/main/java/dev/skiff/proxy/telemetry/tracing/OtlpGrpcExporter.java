package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.telemetry.TracingProvider;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reports spans with OTLP over gRPC: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} on the
 * endpoints of the collector's cluster, in plaintext, with the provider's authority. One channel per endpoint,
 * kept while the endpoint is in use, served by the proxy's event loops (the exporter thread makes the calls and
 * waits for their answers; no gRPC threads are added).
 */
public final class OtlpGrpcExporter extends CollectorExporter {

    private final Supplier<InetSocketAddress> endpoints;
    private final TracingProvider provider;
    private final LocalEndpoint local;
    private final Supplier<? extends EventLoopGroup> eventLoops;
    private final Map<InetSocketAddress, ManagedChannel> channels = new HashMap<>();

    /**
     * @param endpoints the next collector endpoint, null when there is none
     * @param provider  the authority of the calls (the collector's host name), the {@code service.name} resource
     *                  attribute and the deadline of one export call
     * @param local     the sidecar's node id and namespace for the span attributes
     * @param eventLoops the event loops the channels' connections are served by
     */
    public OtlpGrpcExporter(Supplier<InetSocketAddress> endpoints, TracingProvider provider, LocalEndpoint local,
                            Supplier<? extends EventLoopGroup> eventLoops, int capacity, int maxBatch,
                            Duration linger) {
        super("skiff-otlp-grpc-exporter", capacity, maxBatch, linger);
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.local = Objects.requireNonNull(local, "local");
        this.eventLoops = Objects.requireNonNull(eventLoops, "eventLoops");
    }

    @Override
    protected String collector() {
        return provider.authority() + " (" + provider.cluster() + ")";
    }

    @Override
    protected String export(List<Span> spans) {
        InetSocketAddress target = endpoints.get();
        if (target == null) {
            return "no endpoint";
        }
        ManagedChannel channel = channels.get(target);
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress(target).eventLoopGroup(eventLoops.get())
                    .channelType(NioSocketChannel.class).directExecutor().usePlaintext()
                    .overrideAuthority(provider.authority()).build();
            channels.put(target, channel);
        }
        try {
            ExportTraceServiceResponse response = TraceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(provider.timeout().toNanos(), TimeUnit.NANOSECONDS)
                    .export(OtlpSpans.request(spans, local, provider.serviceName()));
            if (response.hasPartialSuccess() && response.getPartialSuccess().getRejectedSpans() > 0) {
                return "the collector rejected " + response.getPartialSuccess().getRejectedSpans() + " spans: "
                        + response.getPartialSuccess().getErrorMessage();
            }
            return null;
        } catch (StatusRuntimeException e) {
            channels.remove(target).shutdownNow();
            return e.getStatus().toString();
        }
    }

    @Override
    public void close() {
        super.close();
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
