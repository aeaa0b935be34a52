package dev.skiff.controlplane.xds.server;

import static dev.skiff.controlplane.xds.server.TestResources.cluster;
import static dev.skiff.controlplane.xds.server.TestResources.endpoints;
import static dev.skiff.controlplane.xds.server.TestResources.listener;
import static dev.skiff.controlplane.xds.server.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdsServiceDeltaTest {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
    static final String DETAILS = "outbound|9080||details.default.svc.cluster.local";
    static final String REVIEWS_LISTENER = "reviews.default.svc.cluster.local:9080";

    private final InMemoryResourceProvider provider = new InMemoryResourceProvider();
    private final ConnectedProxies proxies = new ConnectedProxies();
    private final Node node = AdsTestClient.sidecarNode("productpage-v1", "default");
    private AdsService ads;
    private Server server;
    private ManagedChannel channel;
    private int barriers;

    @BeforeEach
    void start() throws IOException {
        provider.put(
                cluster(REVIEWS), cluster(RATINGS),
                endpoints(REVIEWS, "127.0.0.21", 9080), endpoints(RATINGS, "127.0.0.22", 9080),
                listener(REVIEWS_LISTENER, REVIEWS_LISTENER), route(REVIEWS_LISTENER, "*", REVIEWS));
        ads = new AdsService(provider, proxies, Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private AdsTestClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> connect() {
        return AdsTestClient.delta(channel);
    }

    private DeltaDiscoveryRequest.Builder request(String typeUrl) {
        return DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl);
    }

    private static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse response) {
        return DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .build();
    }

    private static DeltaDiscoveryRequest nack(DeltaDiscoveryResponse response, String message) {
        return DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message))
                .build();
    }

    private static Map<String, String> versions(DeltaDiscoveryResponse response) {
        return response.getResourcesList().stream().collect(Collectors.toMap(Resource::getName, Resource::getVersion));
    }

    private String version(String typeUrl, String name) {
        return provider.get(typeUrl, name).version();
    }

    /**
     * Sends a request that is always answered (a route that does not exist) and checks that its answer is the next
     * response: nothing else was sent before it, and everything sent earlier was handled.
     */
    private void barrier(AdsTestClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> client) {
        String name = "barrier-" + (++barriers);
        client.send(request(TypeUrls.ROUTE).addResourceNamesSubscribe(name).build());
        DeltaDiscoveryResponse response = client.next();
        assertThat(response.getTypeUrl()).as("nothing before the barrier").isEqualTo(TypeUrls.ROUTE);
        assertThat(response.getRemovedResourcesList()).containsExactly(name);
    }

    private TypeStatus status(String typeUrl) {
        assertThat(proxies.all()).hasSize(1);
        return proxies.all().getFirst().types().get(typeUrl);
    }

    @Test
    void wildcardSubscriptionGetsEveryClusterWithItsVersion() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER).build());
            DeltaDiscoveryResponse response = client.next();
            assertThat(response.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(versions(response)).isEqualTo(Map.of(
                    REVIEWS, version(TypeUrls.CLUSTER, REVIEWS),
                    RATINGS, version(TypeUrls.CLUSTER, RATINGS)));
            assertThat(response.getResourcesList()).allSatisfy(r ->
                    assertThat(TestResources.nameOf(r.getResource())).isEqualTo(r.getName()));
            assertThat(response.getRemovedResourcesList()).isEmpty();
            assertThat(response.getSystemVersionInfo()).isNotBlank();
            assertThat(response.getNonce()).isNotBlank();

            ProxyStatus status = proxies.all().getFirst();
            assertThat(status.protocol()).isEqualTo(ProxyStatus.Protocol.DELTA);
            assertThat(status.types().get(TypeUrls.CLUSTER).sentVersion()).isEqualTo(response.getSystemVersionInfo());
        }
    }

    @Test
    void namedSubscriptionsAreAddedAndRemovedIncrementally() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ENDPOINT).addResourceNamesSubscribe(REVIEWS).build());
            DeltaDiscoveryResponse first = client.next();
            assertThat(versions(first).keySet()).containsExactly(REVIEWS);

            client.send(request(TypeUrls.ENDPOINT).setResponseNonce(first.getNonce())
                    .addResourceNamesSubscribe(RATINGS).build());
            DeltaDiscoveryResponse second = client.next();
            assertThat(versions(second).keySet()).as("only the newly subscribed resource").containsExactly(RATINGS);
            assertThat(status(TypeUrls.ENDPOINT).resources()).extracting(r -> r.name())
                    .containsExactly(REVIEWS, RATINGS);

            client.send(request(TypeUrls.ENDPOINT).setResponseNonce(second.getNonce())
                    .addResourceNamesUnsubscribe(REVIEWS).build());
            barrier(client);
            assertThat(status(TypeUrls.ENDPOINT).resources()).extracting(r -> r.name()).containsExactly(RATINGS);

            provider.put(endpoints(REVIEWS, "127.0.0.21", 9090), endpoints(RATINGS, "127.0.0.22", 9090));
            ads.push();
            DeltaDiscoveryResponse update = client.next();
            assertThat(update.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
            assertThat(versions(update)).isEqualTo(Map.of(RATINGS, version(TypeUrls.ENDPOINT, RATINGS)));
        }
    }

    @Test
    void resubscribingResendsEvenIfUnchanged() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ENDPOINT).addResourceNamesSubscribe(REVIEWS).build());
            DeltaDiscoveryResponse first = client.next();
            client.send(request(TypeUrls.ENDPOINT).setResponseNonce(first.getNonce())
                    .addResourceNamesSubscribe(REVIEWS).build());
            DeltaDiscoveryResponse again = client.next();
            assertThat(versions(again)).isEqualTo(versions(first));
        }
    }

    @Test
    void subscribingToAMissingResourceAnswersWithItsRemoval() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ENDPOINT).addResourceNamesSubscribe(DETAILS).build());
            DeltaDiscoveryResponse response = client.next();
            assertThat(response.getResourcesList()).isEmpty();
            assertThat(response.getRemovedResourcesList()).containsExactly(DETAILS);

            provider.put(endpoints(DETAILS, "127.0.0.23", 9080));
            ads.push();
            DeltaDiscoveryResponse created = client.next();
            assertThat(versions(created).keySet()).as("a resource that springs into existence is sent")
                    .containsExactly(DETAILS);
        }
    }

    @Test
    void resourceThatDisappearsIsListedAsRemoved() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER).build());
            client.send(ack(client.next()));
            provider.remove(TypeUrls.CLUSTER, RATINGS);
            ads.push();
            DeltaDiscoveryResponse response = client.next();
            assertThat(response.getResourcesList()).isEmpty();
            assertThat(response.getRemovedResourcesList()).containsExactly(RATINGS);
            assertThat(status(TypeUrls.CLUSTER).resources()).extracting(r -> r.name()).containsExactly(REVIEWS);
        }
    }

    @Test
    void onlyTheResourceWhoseVersionChangedIsSent() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER).build());
            DeltaDiscoveryResponse initial = client.next();
            String before = versions(initial).get(REVIEWS);

            provider.put(cluster(REVIEWS).toBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build());
            ads.push();
            DeltaDiscoveryResponse update = client.next();
            assertThat(versions(update).keySet()).containsExactly(REVIEWS);
            assertThat(versions(update).get(REVIEWS)).isNotEqualTo(before)
                    .isEqualTo(version(TypeUrls.CLUSTER, REVIEWS));
            assertThat(update.getSystemVersionInfo()).isNotEqualTo(initial.getSystemVersionInfo());

            ads.push();
            barrier(client);
        }
    }

    @Test
    void pushFollowsMakeBeforeBreakOrder() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ROUTE).addResourceNamesSubscribe(REVIEWS_LISTENER).build());
            client.next();
            client.send(request(TypeUrls.LISTENER).build());
            client.next();
            client.send(request(TypeUrls.ENDPOINT).addAllResourceNamesSubscribe(List.of(REVIEWS, DETAILS)).build());
            client.next();
            client.send(request(TypeUrls.CLUSTER).build());
            client.next();

            provider.put(route(REVIEWS_LISTENER, "*", DETAILS), listener(REVIEWS_LISTENER, "other"),
                    endpoints(DETAILS, "127.0.0.23", 9080), cluster(DETAILS));
            ads.push();
            assertThat(List.of(client.next().getTypeUrl(), client.next().getTypeUrl(), client.next().getTypeUrl(),
                    client.next().getTypeUrl()))
                    .containsExactly(TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.LISTENER, TypeUrls.ROUTE);
        }
    }

    @Test
    void ackAndNackAreRecordedAndStaleNoncesIgnored() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER).build());
            DeltaDiscoveryResponse first = client.next();
            client.send(ack(first));
            barrier(client);
            assertThat(status(TypeUrls.CLUSTER).ackedVersion()).isEqualTo(first.getSystemVersionInfo());

            provider.put(cluster(DETAILS));
            ads.push();
            DeltaDiscoveryResponse second = client.next();
            client.send(nack(first, "stale complaint"));
            client.send(nack(second, "cluster " + DETAILS + ": no endpoints config"));
            barrier(client);

            TypeStatus cds = status(TypeUrls.CLUSTER);
            assertThat(cds.ackedVersion()).isEqualTo(first.getSystemVersionInfo());
            assertThat(cds.lastNack().nonce()).isEqualTo(second.getNonce());
            assertThat(cds.lastNack().version()).isEqualTo(second.getSystemVersionInfo());
            assertThat(cds.lastNack().message()).isEqualTo("cluster " + DETAILS + ": no endpoints config");
        }
    }

    @Test
    void staleNonceStillChangesTheSubscription() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ENDPOINT).addResourceNamesSubscribe(REVIEWS).build());
            DeltaDiscoveryResponse first = client.next();
            provider.put(endpoints(REVIEWS, "127.0.0.21", 9091));
            ads.push();
            client.next();
            client.send(request(TypeUrls.ENDPOINT).setResponseNonce(first.getNonce())
                    .addResourceNamesSubscribe(RATINGS).build());
            assertThat(versions(client.next()).keySet()).containsExactly(RATINGS);
        }
    }

    @Test
    void reconnectWithInitialVersionsGetsOnlyWhatDiffers() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER)
                    .putInitialResourceVersions(REVIEWS, version(TypeUrls.CLUSTER, REVIEWS))
                    .putInitialResourceVersions(RATINGS, "an-old-version")
                    .putInitialResourceVersions(DETAILS, "deleted-meanwhile")
                    .build());
            DeltaDiscoveryResponse response = client.next();
            assertThat(versions(response)).isEqualTo(Map.of(RATINGS, version(TypeUrls.CLUSTER, RATINGS)));
            assertThat(response.getRemovedResourcesList()).containsExactly(DETAILS);
        }
    }

    @Test
    void unsubscribingANameCoveredByTheWildcardIsAnswered() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER).addResourceNamesSubscribe("*")
                    .addResourceNamesSubscribe(REVIEWS).addResourceNamesSubscribe(DETAILS).build());
            DeltaDiscoveryResponse first = client.next();
            assertThat(versions(first).keySet()).containsExactlyInAnyOrder(REVIEWS, RATINGS);
            assertThat(first.getRemovedResourcesList()).containsExactly(DETAILS);

            client.send(request(TypeUrls.CLUSTER).setResponseNonce(first.getNonce())
                    .addResourceNamesUnsubscribe(REVIEWS).build());
            DeltaDiscoveryResponse answer = client.next();
            assertThat(versions(answer).keySet()).as("still covered by the wildcard").containsExactly(REVIEWS);

            client.send(request(TypeUrls.CLUSTER).setResponseNonce(answer.getNonce())
                    .addResourceNamesUnsubscribe("*").build());
            barrier(client);
            provider.put(cluster(RATINGS).toBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build());
            ads.push();
            barrier(client);
        }
    }

    @Test
    void disconnectRemovesTheProxy() {
        var client = connect();
        client.send(request(TypeUrls.CLUSTER).build());
        client.next();
        assertThat(proxies.size()).isEqualTo(1);
        client.cancel();
        await().until(() -> proxies.size() == 0 && ads.streamCount() == 0);
    }
}
