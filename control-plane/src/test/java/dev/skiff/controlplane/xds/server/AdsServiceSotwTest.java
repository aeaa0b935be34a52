package dev.skiff.controlplane.xds.server;

import static dev.skiff.controlplane.xds.server.TestResources.cluster;
import static dev.skiff.controlplane.xds.server.TestResources.endpoints;
import static dev.skiff.controlplane.xds.server.TestResources.listener;
import static dev.skiff.controlplane.xds.server.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdsServiceSotwTest {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
    static final String REVIEWS_LISTENER = "reviews.default.svc.cluster.local:9080";
    static final String RATINGS_LISTENER = "ratings.default.svc.cluster.local:9080";
    static final String SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    private final InMemoryResourceProvider provider = new InMemoryResourceProvider();
    private final ConnectedProxies proxies = new ConnectedProxies();
    private final Node node = AdsTestClient.sidecarNode("reviews-v1", "default");
    private AdsService ads;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        provider.put(
                cluster(REVIEWS), cluster(RATINGS),
                endpoints(REVIEWS, "127.0.0.21", 9080), endpoints(RATINGS, "127.0.0.22", 9080),
                listener(REVIEWS_LISTENER, REVIEWS_LISTENER), listener(RATINGS_LISTENER, RATINGS_LISTENER),
                route(REVIEWS_LISTENER, "*", REVIEWS), route(RATINGS_LISTENER, "*", RATINGS));
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

    private AdsTestClient<DiscoveryRequest, DiscoveryResponse> connect() {
        return AdsTestClient.sotw(channel);
    }

    private DiscoveryRequest request(String typeUrl, String version, String nonce, String... names) {
        return DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(typeUrl)
                .setVersionInfo(version)
                .setResponseNonce(nonce)
                .addAllResourceNames(List.of(names))
                .build();
    }

    private static DiscoveryRequest ack(DiscoveryResponse response, String... names) {
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .addAllResourceNames(List.of(names))
                .build();
    }

    private static DiscoveryRequest nack(DiscoveryResponse response, String acceptedVersion, String message,
                                         String... names) {
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setVersionInfo(acceptedVersion)
                .setResponseNonce(response.getNonce())
                .addAllResourceNames(List.of(names))
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message))
                .build();
    }

    private static List<String> names(DiscoveryResponse response) {
        return response.getResourcesList().stream().map(TestResources::nameOf).toList();
    }

    /** Requests that get no response are handled asynchronously; wait until the server saw this ACK. */
    private void awaitAcked(DiscoveryResponse response) {
        await().until(() -> proxies.find(node.getId())
                .map(p -> p.types().get(response.getTypeUrl()))
                .map(t -> response.getVersionInfo().equals(t.ackedVersion()) && response.getNonce().equals(t.sentNonce()))
                .orElse(false));
    }

    private TypeStatus status(String typeUrl) {
        assertThat(proxies.all()).hasSize(1);
        return proxies.all().getFirst().types().get(typeUrl);
    }

    @Test
    void wildcardClustersAndListenersGetEverything() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse clusters = client.next();
            assertThat(clusters.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(names(clusters)).containsExactlyInAnyOrder(REVIEWS, RATINGS);
            assertThat(clusters.getVersionInfo()).isNotBlank();
            assertThat(clusters.getNonce()).isNotBlank();

            client.send(request(TypeUrls.LISTENER, "", ""));
            DiscoveryResponse listeners = client.next();
            assertThat(listeners.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
            assertThat(names(listeners)).containsExactlyInAnyOrder(REVIEWS_LISTENER, RATINGS_LISTENER);
            assertThat(listeners.getNonce()).isNotEqualTo(clusters.getNonce());

            ProxyStatus status = proxies.all().getFirst();
            assertThat(status.proxy()).isEqualTo(new ProxyView(node.getId(), ProxyView.Kind.SIDECAR, "reviews-v1",
                    "default", java.util.Map.of("app", "reviews-v1")));
            assertThat(status.protocol()).isEqualTo(ProxyStatus.Protocol.STATE_OF_THE_WORLD);
            assertThat(status.types().keySet()).containsExactly(TypeUrls.CLUSTER, TypeUrls.LISTENER);
            assertThat(status.types().get(TypeUrls.CLUSTER).sentVersion()).isEqualTo(clusters.getVersionInfo());
            assertThat(status.types().get(TypeUrls.CLUSTER).sentNonce()).isEqualTo(clusters.getNonce());
            assertThat(status.types().get(TypeUrls.CLUSTER).resources())
                    .extracting(r -> r.name()).containsExactlyInAnyOrder(REVIEWS, RATINGS);
        }
    }

    @Test
    void versionInfoDependsOnlyOnResourceVersions() {
        DiscoveryResponse first;
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            first = client.next();
        }
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, first.getVersionInfo(), ""));
            assertThat(client.next().getVersionInfo()).isEqualTo(first.getVersionInfo());
            provider.put(cluster(REVIEWS).toBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build());
            ads.push();
            assertThat(client.next().getVersionInfo()).isNotEqualTo(first.getVersionInfo());
        }
    }

    @Test
    void ackIsRecordedAndNotAnswered() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse clusters = client.next();
            client.send(ack(clusters));

            client.send(request(TypeUrls.ENDPOINT, "", "", REVIEWS));
            assertThat(client.next().getTypeUrl()).as("no response to the ACK").isEqualTo(TypeUrls.ENDPOINT);
            TypeStatus cds = status(TypeUrls.CLUSTER);
            assertThat(cds.ackedVersion()).isEqualTo(clusters.getVersionInfo());
            assertThat(cds.lastNack()).isNull();

            ads.push();
            client.send(request(TypeUrls.LISTENER, "", ""));
            assertThat(client.next().getTypeUrl()).as("an unchanged push sends nothing").isEqualTo(TypeUrls.LISTENER);
        }
    }

    @Test
    void nackIsRecordedAndTheRejectedVersionIsNotResent() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse clusters = client.next();
            client.send(nack(clusters, "", "cluster outbound|9080||reviews: unknown lb policy"));

            client.send(request(TypeUrls.ENDPOINT, "", "", REVIEWS));
            assertThat(client.next().getTypeUrl()).as("no response to the NACK").isEqualTo(TypeUrls.ENDPOINT);
            TypeStatus cds = status(TypeUrls.CLUSTER);
            assertThat(cds.ackedVersion()).isNull();
            assertThat(cds.lastNack()).isNotNull();
            assertThat(cds.lastNack().version()).isEqualTo(clusters.getVersionInfo());
            assertThat(cds.lastNack().nonce()).isEqualTo(clusters.getNonce());
            assertThat(cds.lastNack().message()).isEqualTo("cluster outbound|9080||reviews: unknown lb policy");
            assertThat(cds.lastNack().time()).isNotNull();

            provider.put(cluster(REVIEWS).toBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build());
            ads.push();
            DiscoveryResponse fixed = client.next();
            assertThat(fixed.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(fixed.getVersionInfo()).isNotEqualTo(clusters.getVersionInfo());
            client.send(ack(fixed));
            client.send(request(TypeUrls.LISTENER, "", ""));
            assertThat(client.next().getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
            assertThat(status(TypeUrls.CLUSTER).ackedVersion()).isEqualTo(fixed.getVersionInfo());
            assertThat(status(TypeUrls.CLUSTER).lastNack().nonce()).as("the last NACK stays visible")
                    .isEqualTo(clusters.getNonce());
        }
    }

    @Test
    void staleNonceIsIgnoredButItsSubscriptionIsKept() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ENDPOINT, "", "", REVIEWS));
            DiscoveryResponse first = client.next();
            assertThat(names(first)).containsExactly(REVIEWS);

            provider.put(endpoints(REVIEWS, "127.0.0.21", 9080, 9081));
            ads.push();
            DiscoveryResponse second = client.next();
            assertThat(second.getNonce()).isNotEqualTo(first.getNonce());

            // Sent before the client saw the second response: its nonce is stale.
            client.send(nack(first, "", "stale complaint", REVIEWS, RATINGS));
            client.send(request(TypeUrls.CLUSTER, "", ""));
            assertThat(client.next().getTypeUrl()).as("no response to the stale request").isEqualTo(TypeUrls.CLUSTER);
            assertThat(status(TypeUrls.ENDPOINT).lastNack()).as("a stale NACK is not recorded").isNull();

            client.send(ack(second, REVIEWS, RATINGS));
            DiscoveryResponse third = client.next();
            assertThat(third.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
            assertThat(names(third)).as("the name the stale request added").containsExactly(RATINGS);
            assertThat(status(TypeUrls.ENDPOINT).ackedVersion()).isEqualTo(second.getVersionInfo());
        }
    }

    @Test
    void pushSendsOnlyChangedTypesInMakeBeforeBreakOrder() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            client.send(ack(client.next()));
            client.send(request(TypeUrls.ENDPOINT, "", "", REVIEWS, RATINGS));
            client.send(ack(client.next(), REVIEWS, RATINGS));
            client.send(request(TypeUrls.LISTENER, "", ""));
            client.send(ack(client.next()));
            client.send(request(TypeUrls.ROUTE, "", "", REVIEWS_LISTENER, RATINGS_LISTENER));
            DiscoveryResponse routes = client.next();
            client.send(ack(routes, REVIEWS_LISTENER, RATINGS_LISTENER));
            awaitAcked(routes);

            String details = "outbound|9080||details.default.svc.cluster.local";
            provider.put(route(REVIEWS_LISTENER, "*", details));
            provider.put(listener("details.default.svc.cluster.local:9080", REVIEWS_LISTENER));
            provider.put(cluster(details));
            ads.push();

            DiscoveryResponse cds = client.next();
            DiscoveryResponse lds = client.next();
            DiscoveryResponse rds = client.next();
            assertThat(List.of(cds.getTypeUrl(), lds.getTypeUrl(), rds.getTypeUrl()))
                    .as("CDS, then LDS, then RDS; EDS did not change")
                    .containsExactly(TypeUrls.CLUSTER, TypeUrls.LISTENER, TypeUrls.ROUTE);
            assertThat(names(cds)).containsExactlyInAnyOrder(REVIEWS, RATINGS, details);
            assertThat(names(lds)).hasSize(3);
            assertThat(names(rds)).as("only the changed route configuration: RDS is not state of the world")
                    .containsExactly(REVIEWS_LISTENER);

            provider.put(endpoints(RATINGS, "127.0.0.22", 9080, 9081));
            ads.push();
            DiscoveryResponse eds = client.next();
            assertThat(eds.getTypeUrl()).as("nothing else was queued").isEqualTo(TypeUrls.ENDPOINT);
            assertThat(names(eds)).as("only the changed assignment: EDS is not state of the world")
                    .containsExactly(RATINGS);
        }
    }

    @Test
    void endpointsAreNamedSubscriptionsThatCanBeDropped() {
        try (var client = connect()) {
            client.send(request(TypeUrls.ENDPOINT, "", ""));
            client.send(request(TypeUrls.CLUSTER, "", ""));
            assertThat(client.next().getTypeUrl()).as("an empty EDS request subscribes to nothing")
                    .isEqualTo(TypeUrls.CLUSTER);

            client.send(request(TypeUrls.ENDPOINT, "", "", REVIEWS));
            DiscoveryResponse one = client.next();
            assertThat(names(one)).containsExactly(REVIEWS);

            client.send(ack(one, REVIEWS, RATINGS));
            DiscoveryResponse two = client.next();
            assertThat(names(two)).as("the newly named assignment; the client keeps the one it holds")
                    .containsExactly(RATINGS);

            client.send(ack(two, RATINGS));
            awaitAcked(two);
            provider.put(endpoints(REVIEWS, "127.0.0.21", 9090));
            ads.push();
            client.send(request(TypeUrls.LISTENER, "", ""));
            assertThat(client.next().getTypeUrl()).as("no update for an unsubscribed resource")
                    .isEqualTo(TypeUrls.LISTENER);

            provider.put(endpoints(RATINGS, "127.0.0.22", 9090));
            ads.push();
            DiscoveryResponse three = client.next();
            assertThat(names(three)).containsExactly(RATINGS);

            client.send(ack(three));
            awaitAcked(three);
            provider.put(endpoints(RATINGS, "127.0.0.22", 9091));
            ads.push();
            client.send(request(TypeUrls.ROUTE, "", "", REVIEWS_LISTENER));
            assertThat(client.next().getTypeUrl()).as("after unsubscribing from everything, no EDS at all")
                    .isEqualTo(TypeUrls.ROUTE);

            client.send(ack(three, RATINGS));
            DiscoveryResponse again = client.next();
            assertThat(again.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
            assertThat(names(again)).as("a re-subscribed name is sent again").containsExactly(RATINGS);
        }
    }

    @Test
    void removedListenerIsLeftOutOfTheNextFullState() {
        try (var client = connect()) {
            client.send(request(TypeUrls.LISTENER, "", ""));
            DiscoveryResponse before = client.next();
            assertThat(names(before)).hasSize(2);
            client.send(ack(before));
            awaitAcked(before);

            provider.remove(TypeUrls.LISTENER, RATINGS_LISTENER);
            ads.push();
            DiscoveryResponse after = client.next();
            assertThat(after.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
            assertThat(names(after)).containsExactly(REVIEWS_LISTENER);
            assertThat(after.getVersionInfo()).isNotEqualTo(before.getVersionInfo());
        }
    }

    @Test
    void removingEveryListenerSendsAnEmptyStateOfTheWorld() {
        try (var client = connect()) {
            client.send(request(TypeUrls.LISTENER, "", ""));
            DiscoveryResponse before = client.next();
            client.send(ack(before));
            awaitAcked(before);

            provider.remove(TypeUrls.LISTENER, REVIEWS_LISTENER);
            provider.remove(TypeUrls.LISTENER, RATINGS_LISTENER);
            ads.push();
            DiscoveryResponse after = client.next();
            assertThat(after.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
            assertThat(after.getResourcesList()).as("an empty LDS response removes every listener").isEmpty();
        }
    }

    @Test
    void namingResourcesEndsTheLegacyWildcard() {
        try (var client = connect()) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse all = client.next();
            assertThat(names(all)).hasSize(2);

            client.send(ack(all, RATINGS));
            DiscoveryResponse named = client.next();
            assertThat(names(named)).containsExactly(RATINGS);

            client.send(ack(named, "*", RATINGS));
            DiscoveryResponse wildcardAgain = client.next();
            assertThat(names(wildcardAgain)).containsExactlyInAnyOrder(REVIEWS, RATINGS);

            client.send(ack(wildcardAgain));
            awaitAcked(wildcardAgain);
            provider.put(cluster(REVIEWS).toBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build());
            ads.push();
            client.send(request(TypeUrls.LISTENER, "", ""));
            assertThat(client.next().getTypeUrl())
                    .as("an empty list after explicit names unsubscribes instead of meaning wildcard")
                    .isEqualTo(TypeUrls.LISTENER);
        }
    }

    @Test
    void proxylessClientGetsTheListenersItNames() {
        Node grpcNode = Node.newBuilder()
                .setId("grpc-client-7")
                .setMetadata(Struct.newBuilder()
                        .putFields("NAMESPACE", Value.newBuilder().setStringValue("prod").build()))
                .build();
        try (var client = connect()) {
            client.send(DiscoveryRequest.newBuilder()
                    .setNode(grpcNode)
                    .setTypeUrl(TypeUrls.LISTENER)
                    .addResourceNames(REVIEWS_LISTENER)
                    .build());
            assertThat(names(client.next())).containsExactly(REVIEWS_LISTENER);
            ProxyView view = proxies.find("grpc-client-7").orElseThrow().proxy();
            assertThat(view.kind()).isEqualTo(ProxyView.Kind.PROXYLESS);
            assertThat(view.namespace()).isEqualTo("prod");
            assertThat(view.workload()).isNull();
        }
    }

    @Test
    void aReconnectingNodeIsFoundByItsLatestStream() {
        try (var old = connect(); var fresh = connect()) {
            old.send(request(TypeUrls.CLUSTER, "", ""));
            old.next();
            fresh.send(request(TypeUrls.LISTENER, "", ""));
            fresh.next();

            assertThat(proxies.all()).hasSize(2)
                    .extracting(ProxyStatus::connectionId).containsExactly(node.getId() + "-1", node.getId() + "-2");
            ProxyStatus latest = proxies.find(node.getId()).orElseThrow();
            assertThat(latest.connectionId()).isEqualTo(node.getId() + "-2");
            assertThat(latest.types().keySet()).containsExactly(TypeUrls.LISTENER);
            assertThat(proxies.connection(node.getId() + "-1").orElseThrow().types().keySet())
                    .containsExactly(TypeUrls.CLUSTER);
        }
    }

    @Test
    void pushesToAClientThatStoppedReadingAreDeferredAndCoalesced() {
        try (var client = AdsTestClient.sotwSlowReader(channel, 1)) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse first = client.next();
            client.send(ack(first));
            awaitAcked(first);

            for (Cluster.LbPolicy policy : List.of(Cluster.LbPolicy.LEAST_REQUEST, Cluster.LbPolicy.RANDOM,
                    Cluster.LbPolicy.RING_HASH)) {
                provider.put(cluster(REVIEWS).toBuilder().setLbPolicy(policy).build());
                ads.push();
                // Handled after the push; recorded only while the first response is still the latest one sent.
                String marker = "still reading nothing after " + policy;
                client.send(nack(first, first.getVersionInfo(), marker));
                await().until(() -> status(TypeUrls.CLUSTER).lastNack() != null
                        && marker.equals(status(TypeUrls.CLUSTER).lastNack().message()));
            }
            String latest = provider.get(TypeUrls.CLUSTER, REVIEWS).version();
            assertThat(status(TypeUrls.CLUSTER).sentNonce()).as("nothing sent while the client is not reading")
                    .isEqualTo(first.getNonce());

            client.read(10);
            DiscoveryResponse caughtUp = client.next();
            assertThat(caughtUp.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(status(TypeUrls.CLUSTER).resources())
                    .filteredOn(r -> r.name().equals(REVIEWS)).extracting(r -> r.version()).containsExactly(latest);

            client.send(request(TypeUrls.LISTENER, "", ""));
            assertThat(client.next().getTypeUrl()).as("one response carried all three changes")
                    .isEqualTo(TypeUrls.LISTENER);
        }
    }

    @Test
    void unknownTypesGetNoResponse() {
        try (var client = connect()) {
            client.send(request(SECRET_TYPE, "", "", "default"));
            client.send(request(TypeUrls.CLUSTER, "", ""));
            assertThat(client.next().getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
        }
    }

    @Test
    void cancelledClientIsRemoved() {
        var client = connect();
        client.send(request(TypeUrls.CLUSTER, "", ""));
        client.next();
        assertThat(proxies.size()).isEqualTo(1);
        assertThat(ads.streamCount()).isEqualTo(1);

        client.cancel();
        await().until(() -> proxies.size() == 0 && ads.streamCount() == 0);
    }

    @Test
    void halfClosedStreamIsCompletedAndRemoved() {
        var client = connect();
        client.send(request(TypeUrls.CLUSTER, "", ""));
        client.next();

        client.complete();
        assertThat(client.awaitFinished()).isNull();
        await().until(() -> proxies.size() == 0 && ads.streamCount() == 0);
    }

    @Test
    void firstRequestWithoutNodeIsRejected() {
        var client = connect();
        client.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build());
        Throwable error = client.awaitFinished();
        assertThat(error).isInstanceOf(StatusRuntimeException.class);
        StatusRuntimeException status = (StatusRuntimeException) error;
        assertThat(status.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(status.getStatus().getDescription()).contains("carries no node");
        await().until(() -> ads.streamCount() == 0);
        assertThat(proxies.size()).isZero();
    }

    @Test
    void malformedSidecarIdIsRejected() {
        var client = connect();
        client.send(DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId("sidecar~127.0.0.10~reviews-v1"))
                .setTypeUrl(TypeUrls.CLUSTER)
                .build());
        StatusRuntimeException error = (StatusRuntimeException) client.awaitFinished();
        assertThat(error.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).contains("expected 4");
    }

    @Test
    void providerFailureSendsNothingAndKeepsTheStream() {
        FailingResourceProvider failing = new FailingResourceProvider(provider);
        AdsService failingAds = new AdsService(failing, proxies, Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        try {
            Server failingServer = InProcessServerBuilder.forName(name).directExecutor().addService(failingAds)
                    .build().start();
            ManagedChannel failingChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
            try (var client = AdsTestClient.sotw(failingChannel)) {
                failing.failOn(TypeUrls.CLUSTER);
                client.send(request(TypeUrls.CLUSTER, "", ""));
                client.send(request(TypeUrls.LISTENER, "", ""));
                assertThat(client.next().getTypeUrl()).isEqualTo(TypeUrls.LISTENER);

                failing.failOn(null);
                failingAds.push();
                DiscoveryResponse recovered = client.next();
                assertThat(recovered.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
                assertThat(names(recovered)).hasSize(2);
            } finally {
                failingChannel.shutdownNow();
                failingServer.shutdownNow();
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
