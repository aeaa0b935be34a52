package dev.skiff.proxy.telemetry.tracing;

import com.google.protobuf.ByteString;
import dev.skiff.proxy.telemetry.TracingProvider;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** OTLP over gRPC to a real grpc-java TraceService on loopback. */
class OtlpGrpcExporterTest {
    private static final LocalEndpoint LOCAL = new LocalEndpoint("productpage-v1.default", "127.0.58.1",
            "sidecar~127.0.58.1~productpage-v1.default~default.svc.cluster.local", "default");

    private final List<ExportTraceServiceRequest> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorities = new CopyOnWriteArrayList<>();
    private final AtomicBoolean refuse = new AtomicBoolean();
    private final EventLoopGroup eventLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private Server collector;

    @BeforeEach
    void startCollector() throws IOException {
        collector = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .intercept(new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                            io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                        authorities.add(call.getAuthority());
                        return next.startCall(call, headers);
                    }
                })
                .addService(new TraceServiceGrpc.TraceServiceImplBase() {
                    @Override
                    public void export(ExportTraceServiceRequest request,
                                       StreamObserver<ExportTraceServiceResponse> response) {
                        if (refuse.get()) {
                            response.onError(Status.UNAVAILABLE.withDescription("busy").asRuntimeException());
                            return;
                        }
                        requests.add(request);
                        response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                }).build().start();
    }

    @AfterEach
    void stopCollector() {
        collector.shutdownNow();
        eventLoops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
    }

    private OtlpGrpcExporter exporter() {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", collector.getPort());
        TracingProvider provider = new TracingProvider(TracingProvider.Protocol.OTLP_GRPC,
                "outbound|4317||otel.observability.svc.cluster.local", "otel.observability.svc.cluster.local", "",
                "productpage.default", Duration.ofSeconds(5), List.of());
        return new OtlpGrpcExporter(() -> address, provider, LOCAL, () -> eventLoops, 1000, 2,
                Duration.ofSeconds(30));
    }

    private static Map<String, String> attributes(io.opentelemetry.proto.trace.v1.Span span) {
        return span.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey,
                attribute -> attribute.getValue().getStringValue()));
    }

    @Test
    void exportsSpansWithIdsKindTimesAttributesAndStatus() {
        try (OtlpGrpcExporter exporter = exporter()) {
            exporter.offer(ZipkinExporterTest.finished(0, Span.Kind.CLIENT));
            exporter.offer(ZipkinExporterTest.finished(1, Span.Kind.SERVER));
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 2);
        }
        assertThat(authorities).containsOnly("otel.observability.svc.cluster.local");
        ResourceSpans resource = requests.getFirst().getResourceSpans(0);
        assertThat(resource.getResource().getAttributesList()).singleElement().satisfies(attribute -> {
            assertThat(attribute.getKey()).isEqualTo("service.name");
            assertThat(attribute.getValue().getStringValue()).isEqualTo("productpage.default");
        });
        assertThat(resource.getScopeSpans(0).getScope().getName()).isEqualTo("skiff");
        List<io.opentelemetry.proto.trace.v1.Span> spans = resource.getScopeSpans(0).getSpansList();
        io.opentelemetry.proto.trace.v1.Span root = spans.get(0);
        assertThat(HexFormat.of().formatHex(root.getTraceId().toByteArray()))
                .isEqualTo("463ac35c9f6413ad48485a3953bb6124");
        assertThat(root.getSpanId()).isEqualTo(ByteString.copyFrom(HexFormat.of().parseHex("0000000000000001")));
        assertThat(root.getParentSpanId().isEmpty()).isTrue();
        assertThat(root.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(root.getName()).isEqualTo("reviews:9080/*");
        assertThat(root.getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(root.getEndTimeUnixNano() - root.getStartTimeUnixNano()).isEqualTo(1_500_000);
        assertThat(root.getStatus().getCode())
                .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attributes(root)).containsEntry("http.status_code", "503").containsEntry("node_id",
                LOCAL.nodeId()).containsEntry("guid:x-request-id", "req-0")
                .containsEntry("peer.address", "127.0.46.9");
        io.opentelemetry.proto.trace.v1.Span child = spans.get(1);
        assertThat(child.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(child.getParentSpanId()).isEqualTo(ByteString.copyFrom(HexFormat.of()
                .parseHex("000000000000004d")));
        assertThat(child.getStatus().getCode())
                .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET);
    }

    @Test
    void aRefusingCollectorCostsTheBatchAndTheNextOneGoesThrough() {
        refuse.set(true);
        try (OtlpGrpcExporter exporter = exporter()) {
            exporter.offer(ZipkinExporterTest.finished(1, Span.Kind.CLIENT));
            exporter.offer(ZipkinExporterTest.finished(2, Span.Kind.CLIENT));
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.failed() == 2);
            refuse.set(false);
            exporter.offer(ZipkinExporterTest.finished(3, Span.Kind.CLIENT));
            exporter.offer(ZipkinExporterTest.finished(4, Span.Kind.CLIENT));
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 2);
        }
        assertThat(requests).hasSize(1);
    }
}
