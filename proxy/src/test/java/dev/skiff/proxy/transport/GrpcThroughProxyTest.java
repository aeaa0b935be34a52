package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.filter.RequestContext;
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
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
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
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** gRPC (HTTP/2 with trailers, streaming both ways) through an outbound and an inbound listener. */
@ExtendWith(NoLeaks.class)
class GrpcThroughProxyTest {

    private static final String CLUSTER = "outbound|9090||grpc-echo.default.svc.cluster.local";
    private static final Metadata.Key<String> DETAIL = Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);

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
    private static final MethodDescriptor<String, String> HELLO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Hello")
            .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    private static final MethodDescriptor<String, String> CHAT = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("test.Echo/Chat")
            .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private Server server;
    private ProxyRuntime runtime;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        server = NettyServerBuilder.forAddress(loopback(0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(HELLO, ServerCalls.asyncUnaryCall((String name, StreamObserver<String> out) -> {
                            if (name.equals("nobody")) {
                                Metadata trailers = new Metadata();
                                trailers.put(DETAIL, "no such person");
                                out.onError(Status.NOT_FOUND.withDescription("unknown " + name)
                                        .asRuntimeException(trailers));
                                return;
                            }
                            out.onNext("hello " + name);
                            out.onCompleted();
                        }))
                        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                            @Override
                            public void onNext(String value) {
                                out.onNext("echo " + value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                out.onError(t);
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        }))
                        .build())
                .build()
                .start();
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(2)
                .withRequestListener(completed::add));
        runtime.apply(mesh(loopback(1)).build("1"));
        InetSocketAddress inbound = runtime.boundAddress("inbound|9090").orElseThrow();
        runtime.apply(mesh(inbound).build("2"));
        InetSocketAddress outbound = runtime.boundAddress(OUTBOUND).orElseThrow();
        channel = NettyChannelBuilder.forAddress(outbound).overrideAuthority("grpc-echo:9090").usePlaintext().build();
    }

    private static ClusterSpec http2(String name, boolean isStatic) {
        return new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP2, Duration.ofSeconds(2), isStatic);
    }

    private TestMesh mesh(InetSocketAddress endpoint) {
        RouteTable outboundRoutes = new RouteTable("9090", List.of(new VirtualHost("grpc-echo:9090",
                List.of("grpc-echo", "grpc-echo:9090"),
                List.of(new Route("grpc", RouteMatch.prefix("/"), RouteAction.cluster(CLUSTER))))));
        RouteTable inboundRoutes = new RouteTable("inbound|9090", List.of(new VirtualHost("inbound|grpc|9090",
                List.of("*"), List.of(new Route("default", RouteMatch.any(), RouteAction.cluster("inbound|9090||"))))));
        return new TestMesh()
                .listener(new ListenerSpec(OUTBOUND, loopback(0), Direction.OUTBOUND, true, List.of(
                        new FilterChainSpec("0.0.0.0_9090", 9090, HttpConnectionManagerSpec.rds("9090")))))
                .listener(new ListenerSpec("inbound|9090", loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("inbound", 0, HttpConnectionManagerSpec.inline(inboundRoutes)))))
                .routeTable(outboundRoutes)
                .cluster(http2(CLUSTER, false))
                .cluster(http2("inbound|9090||", true))
                .endpoints(CLUSTER, endpoint)
                .endpoints("inbound|9090||", (InetSocketAddress) server.getListenSockets().get(0));
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        runtime.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void unaryCallsGoThroughBothProxies() {
        assertThat(ClientCalls.blockingUnaryCall(channel, HELLO, CallOptions.DEFAULT, "skiff")).isEqualTo("hello skiff");
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals(OUTBOUND)
                && c.protocol().equals("HTTP/2") && c.responseCode() == 200 && c.cluster().equals(CLUSTER)
                && c.grpcStatus().equals("0")));
    }

    @Test
    void errorStatusAndTrailersReachTheClient() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, HELLO, CallOptions.DEFAULT, "nobody"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("unknown nobody");
                    assertThat(e.getTrailers().get(DETAIL)).isEqualTo("no such person");
                });
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals(OUTBOUND)
                && c.grpcStatus().equals("5")));
    }

    @Test
    void bidirectionalStreamsFlowBothWays() throws InterruptedException {
        ConcurrentLinkedQueue<String> replies = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(CHAT, CallOptions.DEFAULT),
                new StreamObserver<>() {
                    @Override
                    public void onNext(String value) {
                        replies.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        replies.add("error " + t);
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        requests.onNext("one");
        await().until(() -> replies.contains("echo one"));
        requests.onNext("two");
        await().until(() -> replies.contains("echo two"));
        requests.onNext("three");
        requests.onCompleted();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(replies).containsExactly("echo one", "echo two", "echo three");
    }

    @Test
    void manyConcurrentCallsShareTheUpstreamConnection() {
        List<String> names = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "n" + i).toList();
        List<String> answers = names.parallelStream()
                .map(n -> ClientCalls.blockingUnaryCall(channel, HELLO, CallOptions.DEFAULT, n)).toList();
        assertThat(answers).containsExactlyElementsOf(names.stream().map(n -> "hello " + n).toList());
    }
}
