package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.telemetry.IstioMetrics;
import dev.skiff.proxy.telemetry.IstioTelemetry;
import dev.skiff.proxy.telemetry.WorkloadMetadata;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Istio's metrics recorded by two sidecars (a client's and a server's runtime) around real gRPC over HTTP/2: the
 * exchanged peer metadata names both workloads, messages are counted per stream, and neither application sees the
 * exchange headers.
 */
@ExtendWith(NoLeaks.class)
class IstioTelemetryThroughProxyTest {

    private static final String CLUSTER = "outbound|9090||grpc-echo.default.svc.cluster.local";
    private static final Metadata.Key<String> PEER = Metadata.Key.of("x-envoy-peer-metadata",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PEER_ID = Metadata.Key.of("x-envoy-peer-metadata-id",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> SPLIT = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("test.Words/Split")
            .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();

    private final IstioMetrics clientMetrics = new IstioMetrics();
    private final IstioMetrics serverMetrics = new IstioMetrics();
    private final ConcurrentLinkedQueue<String> seenByApps = new ConcurrentLinkedQueue<>();
    private Server server;
    private ProxyRuntime clientSidecar;
    private ProxyRuntime serverSidecar;
    private ManagedChannel channel;
    private Channel intercepted;

    @BeforeEach
    void start() throws IOException {
        ServerServiceDefinition words = ServerServiceDefinition.builder("test.Words")
                .addMethod(SPLIT, ServerCalls.asyncServerStreamingCall((String text, StreamObserver<String> out) -> {
                    if (text.isEmpty()) {
                        out.onError(Status.INVALID_ARGUMENT.withDescription("nothing to split").asRuntimeException());
                        return;
                    }
                    Arrays.stream(text.split(" ")).forEach(out::onNext);
                    out.onCompleted();
                }))
                .build();
        server = NettyServerBuilder.forAddress(loopback(0))
                .addService(ServerInterceptors.intercept(words, new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                 ServerCallHandler<Q, R> next) {
                        record(headers);
                        return next.startCall(call, headers);
                    }
                }))
                .build()
                .start();
        serverSidecar = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(new IstioTelemetry(serverMetrics, new WorkloadMetadata("words-v3", "default",
                        "words-v3", Map.of("app", "words", "version", "v3"), "Kubernetes"),
                        "sidecar~127.0.0.1~words-v3.default~default.svc.cluster.local")));
        RouteTable inboundRoutes = new RouteTable("inbound|9090", List.of(new VirtualHost("inbound|grpc|9090",
                List.of("*"), List.of(new Route("default", RouteMatch.any(), RouteAction.cluster("inbound|9090||"))))));
        serverSidecar.apply(new TestMesh()
                .listener(new ListenerSpec("inbound|9090", loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("inbound", 0, HttpConnectionManagerSpec.inline(inboundRoutes)))))
                .cluster(http2("inbound|9090||", true))
                .endpoints("inbound|9090||", (InetSocketAddress) server.getListenSockets().get(0))
                .build("1"));

        clientSidecar = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(new IstioTelemetry(clientMetrics, new WorkloadMetadata("frontend-v1",
                        "default", "frontend-v1", Map.of("app", "frontend", "version", "v1"), "Kubernetes"),
                        "sidecar~127.0.0.1~frontend-v1.default~default.svc.cluster.local")));
        RouteTable outboundRoutes = new RouteTable("9090", List.of(new VirtualHost("grpc-echo:9090",
                List.of("grpc-echo", "grpc-echo:9090"),
                List.of(new Route("grpc", RouteMatch.prefix("/"), RouteAction.cluster(CLUSTER))))));
        clientSidecar.apply(new TestMesh()
                .listener(new ListenerSpec(OUTBOUND, loopback(0), Direction.OUTBOUND, true, List.of(
                        new FilterChainSpec("0.0.0.0_9090", 9090, HttpConnectionManagerSpec.rds("9090")))))
                .routeTable(outboundRoutes)
                .cluster(http2(CLUSTER, false))
                .endpoints(CLUSTER, serverSidecar.boundAddress("inbound|9090").orElseThrow())
                .build("1"));
        channel = NettyChannelBuilder.forAddress(clientSidecar.boundAddress(OUTBOUND).orElseThrow())
                .overrideAuthority("grpc-echo:9090").usePlaintext().build();
        intercepted = ClientInterceptors.intercept(channel, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata responseHeaders) {
                                IstioTelemetryThroughProxyTest.this.record(responseHeaders);
                                super.onHeaders(responseHeaders);
                            }

                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                IstioTelemetryThroughProxyTest.this.record(trailers);
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        });
    }

    private void record(Metadata headers) {
        if (headers.containsKey(PEER) || headers.containsKey(PEER_ID)) {
            seenByApps.add(headers.toString());
        }
    }

    private static ClusterSpec http2(String name, boolean isStatic) {
        return new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP2, Duration.ofSeconds(2), isStatic);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        clientSidecar.close();
        serverSidecar.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void grpcStreamsAreReportedByBothSidecarsWithMessagesAndPeers() {
        assertThat(drain("one two three four")).containsExactly("one", "two", "three", "four");
        assertThat(drain("five six seven eight")).containsExactly("five", "six", "seven", "eight");

        await().untilAsserted(() -> {
            String source = clientMetrics.scrape();
            assertThat(line(source, "istio_requests_total{")).contains("reporter=\"source\"",
                    "request_protocol=\"grpc\"", "grpc_response_status=\"0\"", "response_code=\"200\"",
                    "source_workload=\"frontend-v1\"", "destination_workload=\"words-v3\"",
                    "destination_version=\"v3\"", "destination_service_name=\"grpc-echo\"").endsWith(" 2");
            assertThat(line(source, "istio_request_messages_total{")).endsWith(" 2");
            assertThat(line(source, "istio_response_messages_total{")).endsWith(" 8");
            String destination = serverMetrics.scrape();
            assertThat(line(destination, "istio_requests_total{")).contains("reporter=\"destination\"",
                    "request_protocol=\"grpc\"", "source_workload=\"frontend-v1\"", "source_app=\"frontend\"",
                    "destination_workload=\"words-v3\"", "connection_security_policy=\"none\"",
                    "destination_service=\"grpc-echo.default.svc.cluster.local\"").endsWith(" 2");
            assertThat(line(destination, "istio_response_messages_total{")).endsWith(" 8");
        });
        assertThat(seenByApps).as("peer metadata seen by the applications").isEmpty();
    }

    @Test
    void grpcErrorsCarryTheirStatus() {
        assertThat(drainQuietly("")).isEmpty();
        await().untilAsserted(() -> assertThat(line(clientMetrics.scrape(), "istio_requests_total{"))
                .contains("grpc_response_status=\"3\"", "response_code=\"200\"", "destination_workload=\"words-v3\""));
    }

    private List<String> drain(String text) {
        List<String> out = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(intercepted, SPLIT, CallOptions.DEFAULT, text).forEachRemaining(out::add);
        return out;
    }

    private List<String> drainQuietly(String text) {
        try {
            return drain(text);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            return List.of();
        }
    }

    private static String line(String exposition, String prefix) {
        List<String> lines = Arrays.stream(exposition.split("\n")).filter(l -> l.startsWith(prefix)).toList();
        assertThat(lines).as(exposition).hasSize(1);
        return lines.getFirst();
    }
}
