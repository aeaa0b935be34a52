package dev.skiff.controlplane.xds.server;

import static dev.skiff.controlplane.xds.server.TestResources.cluster;
import static dev.skiff.controlplane.xds.server.TestResources.endpoints;
import static dev.skiff.controlplane.xds.server.TestResources.listener;
import static dev.skiff.controlplane.xds.server.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** grpc-java's own xDS client, proxyless, resolving a service through Skiff's ADS server over real sockets. */
class GrpcXdsClientInteropTest {
    static final String SCHEME = "skiff-xds-test";
    static final String AUTHORITY = "echo.default.svc.cluster.local:7070";
    static final String CLUSTER = "outbound|7070||echo.default.svc.cluster.local";
    static final String NODE_ID = "grpc-interop-client";

    private final InMemoryResourceProvider provider = new InMemoryResourceProvider();
    private final ConnectedProxies proxies = new ConnectedProxies();
    private AdsService ads;
    private XdsServer xds;
    private Server backendA;
    private Server backendB;
    private ManagedChannel channel;

    private static Server backend(String service) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(service, HealthCheckResponse.ServingStatus.SERVING);
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(health.getHealthService())
                .build()
                .start();
    }

    @BeforeEach
    @SuppressWarnings("deprecation") // the only way to hand createForTest's resolver to a single channel
    void start() throws IOException {
        backendA = backend("a");
        backendB = backend("b");
        provider.put(
                listener(AUTHORITY, AUTHORITY),
                route(AUTHORITY, "*", CLUSTER),
                cluster(CLUSTER),
                endpoints(CLUSTER, "127.0.0.1", backendA.getPort()));
        ads = new AdsService(provider, proxies, Clock.systemUTC());
        xds = new XdsServer(new InetSocketAddress("127.0.0.1", 0), ads).start();
        Map<String, ?> bootstrap = Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", "127.0.0.1:" + xds.port(),
                        "channel_creds", List.of(Map.of("type", "insecure")),
                        "server_features", List.of("xds_v3"))),
                "node", Map.of(
                        "id", NODE_ID,
                        "metadata", Map.of("NAMESPACE", "default")));
        channel = Grpc.newChannelBuilder(SCHEME + ":///" + AUTHORITY, InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest(SCHEME, bootstrap))
                .build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        xds.close();
        backendA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        backendB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private boolean serving(String service) {
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build())
                    .getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    @Test
    void grpcClientFollowsListenerRouteClusterAndEndpointsAndAcksThem() {
        await().atMost(Duration.ofSeconds(20)).until(() -> serving("a"));

        ProxyStatus status = proxies.find(NODE_ID).orElseThrow();
        assertThat(status.proxy().kind()).isEqualTo(ProxyView.Kind.PROXYLESS);
        assertThat(status.proxy().namespace()).isEqualTo("default");
        await().untilAsserted(() -> {
            ProxyStatus current = proxies.find(NODE_ID).orElseThrow();
            assertThat(current.types().keySet()).containsExactlyInAnyOrderElementsOf(TypeUrls.PUSH_ORDER);
            for (TypeStatus type : current.types().values()) {
                assertThat(type.ackedVersion()).as(type.typeUrl()).isEqualTo(type.sentVersion());
                assertThat(type.lastNack()).as(type.typeUrl()).isNull();
            }
        });

        provider.put(endpoints(CLUSTER, "127.0.0.1", backendB.getPort()));
        ads.push();
        await().atMost(Duration.ofSeconds(20)).until(() -> serving("b"));
    }
}
