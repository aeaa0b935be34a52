package dev.skiff.controlplane.xds.server;

import static dev.skiff.controlplane.xds.server.TestResources.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class XdsServerTest {
    @Test
    void servesAdsOverRealSockets() throws InterruptedException {
        InMemoryResourceProvider provider = new InMemoryResourceProvider().put(cluster("outbound|80||web.default.svc.cluster.local"));
        ConnectedProxies proxies = new ConnectedProxies();
        AdsService ads = new AdsService(provider, proxies, Clock.systemUTC());
        try (XdsServer server = new XdsServer(new InetSocketAddress("127.0.0.1", 0), ads).start()) {
            assertThat(server.port()).isPositive();
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try {
                var client = AdsTestClient.sotw(channel);
                client.send(DiscoveryRequest.newBuilder()
                        .setNode(AdsTestClient.sidecarNode("web-1", "default"))
                        .setTypeUrl(TypeUrls.CLUSTER)
                        .build());
                DiscoveryResponse response = client.next();
                assertThat(response.getResourcesList()).extracting(TestResources::nameOf)
                        .containsExactly("outbound|80||web.default.svc.cluster.local");
                assertThat(proxies.size()).isEqualTo(1);

                client.cancel();
                await().until(() -> proxies.size() == 0);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void closingTheServerEndsOpenStreams() throws InterruptedException {
        InMemoryResourceProvider provider = new InMemoryResourceProvider().put(cluster("outbound|80||web.default.svc.cluster.local"));
        ConnectedProxies proxies = new ConnectedProxies();
        AdsService ads = new AdsService(provider, proxies, Clock.systemUTC());
        XdsServer server = new XdsServer(new InetSocketAddress("127.0.0.1", 0), ads).start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
            var client = AdsTestClient.sotw(channel);
            client.send(DiscoveryRequest.newBuilder()
                    .setNode(AdsTestClient.sidecarNode("web-1", "default"))
                    .setTypeUrl(TypeUrls.CLUSTER)
                    .build());
            client.next();
            server.close();
            assertThat(client.awaitFinished()).isNotNull();
            await().until(() -> proxies.size() == 0 && ads.streamCount() == 0);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void portIsOnlyKnownOnceStarted() {
        AdsService ads = new AdsService(new InMemoryResourceProvider(), new ConnectedProxies(), Clock.systemUTC());
        XdsServer server = new XdsServer(new InetSocketAddress("127.0.0.1", 0), ads);
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
        server.close();
    }
}
