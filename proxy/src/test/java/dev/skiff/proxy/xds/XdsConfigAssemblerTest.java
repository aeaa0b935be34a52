package dev.skiff.proxy.xds;

import com.google.protobuf.Any;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.skiff.proxy.xds.XdsFixtures.INBOUND;
import static dev.skiff.proxy.xds.XdsFixtures.REVIEWS;
import static dev.skiff.proxy.xds.XdsFixtures.assignment;
import static dev.skiff.proxy.xds.XdsFixtures.edsCluster;
import static dev.skiff.proxy.xds.XdsFixtures.inboundTcp;
import static dev.skiff.proxy.xds.XdsFixtures.pack;
import static dev.skiff.proxy.xds.XdsFixtures.routes;
import static dev.skiff.proxy.xds.XdsFixtures.staticCluster;
import static dev.skiff.proxy.xds.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XdsConfigAssemblerTest {
    private static final NodeIdentity NODE = new NodeIdentity("reviews-v1", "default", Optional.of("127.0.0.10"),
            Map.of("app", "reviews"));

    private final List<ProxyConfigSnapshot> published = new CopyOnWriteArrayList<>();
    private final XdsConfigAssembler assembler = new XdsConfigAssembler(NODE.toNode(),
            Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC), published::add);

    private void receiveFullConfig() throws XdsRejectedException {
        assembler.onResponse(XdsTypeUrls.CLUSTER, "c1", pack(edsCluster(REVIEWS), staticCluster(INBOUND, 8080)));
        assembler.onResponse(XdsTypeUrls.ENDPOINT, "e1", pack(assignment(REVIEWS, "127.0.0.21", 9080)));
        assembler.onResponse(XdsTypeUrls.LISTENER, "l1", pack(virtualOutbound("127.0.0.10", "9080", 9080),
                inboundTcp("127.0.0.10", 8080, INBOUND)));
        assembler.onResponse(XdsTypeUrls.ROUTE, "r1", pack(routes("9080", REVIEWS)));
    }

    @Test
    void publishesOnlyOnceEverythingReferencedHasArrived() throws Exception {
        assembler.onResponse(XdsTypeUrls.CLUSTER, "c1", pack(edsCluster(REVIEWS), staticCluster(INBOUND, 8080)));
        assertThat(assembler.resourceNames(XdsTypeUrls.ENDPOINT)).containsExactly(REVIEWS);
        assembler.onResponse(XdsTypeUrls.ENDPOINT, "e1", pack(assignment(REVIEWS, "127.0.0.21", 9080)));
        assembler.onResponse(XdsTypeUrls.LISTENER, "l1", pack(virtualOutbound("127.0.0.10", "9080", 9080)));
        assertThat(assembler.resourceNames(XdsTypeUrls.ROUTE)).containsExactly("9080");
        assertThat(published).isEmpty();
        assertThat(assembler.firstConfig()).isNotDone();

        assembler.onResponse(XdsTypeUrls.ROUTE, "r1", pack(routes("9080", REVIEWS)));

        assertThat(published).hasSize(1);
        ProxyConfigSnapshot snapshot = published.getFirst();
        assertThat(assembler.firstConfig()).isCompletedWithValue(snapshot);
        assertThat(assembler.current()).isSameAs(snapshot);
        assertThat(snapshot.clusters()).containsOnlyKeys(REVIEWS, INBOUND);
        assertThat(snapshot.endpoints()).isEqualTo(Map.of(
                REVIEWS, new EndpointSet(REVIEWS, List.of(new Endpoint(new InetSocketAddress("127.0.0.21", 9080)))),
                INBOUND, new EndpointSet(INBOUND, List.of(new Endpoint(new InetSocketAddress("127.0.0.1", 8080))))));
        assertThat(snapshot.listeners()).singleElement().satisfies(listener -> {
            assertThat(listener.name()).isEqualTo("virtualOutbound");
            assertThat(listener.chains().getFirst().action()).isEqualTo(HttpConnectionManagerSpec.rds("9080"));
        });
        assertThat(snapshot.routeTables()).containsOnlyKeys("9080");
    }

    @Test
    void everyChangeAfterTheFirstFullConfigPublishesAndRepeatsDoNot() throws Exception {
        receiveFullConfig();
        assertThat(published).hasSize(1);

        assembler.onResponse(XdsTypeUrls.ENDPOINT, "e2", pack(assignment(REVIEWS, "127.0.0.22", 9080)));
        assembler.onResponse(XdsTypeUrls.ENDPOINT, "e3", pack(assignment(REVIEWS, "127.0.0.22", 9080)));

        assertThat(published).hasSize(2);
        assertThat(published.get(1).version()).isEqualTo("2");
        assertThat(published.get(1).endpointSet(REVIEWS).endpoints())
                .extracting(Endpoint::address).containsExactly(new InetSocketAddress("127.0.0.22", 9080));
    }

    @Test
    void aListenerWaitsForItsNewRoutesWhileItsPreviousVersionServes() throws Exception {
        receiveFullConfig();
        Listener brandNew = virtualOutbound("127.0.0.10", "7070", 7070).toBuilder().setName("outbound-7070")
                .setAddress(XdsFixtures.address("127.0.0.10", 7070)).build();

        assembler.onResponse(XdsTypeUrls.LISTENER, "l2", pack(virtualOutbound("127.0.0.10", "8080", 8080),
                brandNew));

        assertThat(assembler.resourceNames(XdsTypeUrls.ROUTE)).containsExactly("7070", "8080");
        ProxyConfigSnapshot warming = assembler.current();
        assertThat(warming.listeners()).singleElement().satisfies(listener -> {
            assertThat(listener.name()).isEqualTo("virtualOutbound");
            assertThat(listener.chains().getFirst().action()).isEqualTo(HttpConnectionManagerSpec.rds("9080"));
        });
        assertThat(warming.routeTables()).containsOnlyKeys("9080");

        assembler.onResponse(XdsTypeUrls.ROUTE, "r2", pack(routes("8080", REVIEWS)));

        ProxyConfigSnapshot warmed = assembler.current();
        assertThat(warmed.listeners()).singleElement().satisfies(listener ->
                assertThat(listener.chains().getFirst().action()).isEqualTo(HttpConnectionManagerSpec.rds("8080")));
        assertThat(warmed.routeTables()).containsOnlyKeys("8080");

        assembler.onResponse(XdsTypeUrls.ROUTE, "r3", pack(routes("7070", REVIEWS)));

        assertThat(assembler.current().listeners()).extracting(ListenerSpec::name)
                .containsExactly("outbound-7070", "virtualOutbound");
        assertThat(assembler.current().routeTables()).containsOnlyKeys("7070", "8080");
    }

    @Test
    void rejectsTheWholeResponseAndKeepsThePreviousState() throws Exception {
        receiveFullConfig();
        Cluster clusterProvided = edsCluster("outbound|80||ratings.default.svc.cluster.local").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build();

        assertThatThrownBy(() -> assembler.onResponse(XdsTypeUrls.CLUSTER, "c2", pack(edsCluster(REVIEWS), clusterProvided)))
                .isInstanceOf(XdsRejectedException.class)
                .hasMessage("cluster outbound|80||ratings.default.svc.cluster.local: lb_policy CLUSTER_PROVIDED"
                        + " unsupported (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");

        assertThat(published).hasSize(1);
        assertThat(assembler.current().clusters()).containsOnlyKeys(REVIEWS, INBOUND);
        assertThat(assembler.resourceNames(XdsTypeUrls.ENDPOINT)).containsExactly(REVIEWS);
    }

    @Test
    void rejectsResourcesOfAnotherTypeAndDuplicateNames() {
        assertThatThrownBy(() -> assembler.onResponse(XdsTypeUrls.CLUSTER, "c1",
                pack(routes("9080", REVIEWS))))
                .isInstanceOf(XdsRejectedException.class)
                .hasMessage("resource of type type.googleapis.com/envoy.config.route.v3.RouteConfiguration in a"
                        + " cluster response (expected: type.googleapis.com/envoy.config.cluster.v3.Cluster)");
        assertThatThrownBy(() -> assembler.onResponse(XdsTypeUrls.CLUSTER, "c1",
                pack(edsCluster(REVIEWS), edsCluster(REVIEWS))))
                .isInstanceOf(XdsRejectedException.class)
                .hasMessage("cluster " + REVIEWS + ": appears twice in the response (expected: unique names)");
    }

    @Test
    void aFailingPublisherRejectsTheResponse() throws Exception {
        List<ProxyConfigSnapshot> applied = new CopyOnWriteArrayList<>();
        XdsConfigAssembler failing = new XdsConfigAssembler(NODE.toNode(), Clock.systemUTC(), snapshot -> {
            if (snapshot.listeners().size() > 1) {
                throw new IllegalStateException("port 8080 is in use");
            }
            applied.add(snapshot);
        });
        failing.onResponse(XdsTypeUrls.CLUSTER, "c1", pack(edsCluster(REVIEWS), staticCluster(INBOUND, 8080)));
        failing.onResponse(XdsTypeUrls.ENDPOINT, "e1", pack(assignment(REVIEWS, "127.0.0.21", 9080)));
        failing.onResponse(XdsTypeUrls.LISTENER, "l1", pack(virtualOutbound("127.0.0.10", "9080", 9080)));
        failing.onResponse(XdsTypeUrls.ROUTE, "r1", pack(routes("9080", REVIEWS)));

        assertThatThrownBy(() -> failing.onResponse(XdsTypeUrls.LISTENER, "l2", pack(
                virtualOutbound("127.0.0.10", "9080", 9080), inboundTcp("127.0.0.10", 8080, INBOUND))))
                .isInstanceOf(IllegalStateException.class);

        assertThat(applied).hasSize(1);
        assertThat(failing.current().listeners()).hasSize(1);
    }

    @Test
    void dropsAssignmentsAndRoutesNoLongerReferenced() throws Exception {
        receiveFullConfig();

        assembler.onResponse(XdsTypeUrls.CLUSTER, "c2", pack(staticCluster(INBOUND, 8080)));
        assembler.onResponse(XdsTypeUrls.LISTENER, "l2", pack(inboundTcp("127.0.0.10", 8080, INBOUND)));

        assertThat(assembler.resourceNames(XdsTypeUrls.ENDPOINT)).isEmpty();
        assertThat(assembler.resourceNames(XdsTypeUrls.ROUTE)).isEmpty();
        ProxyConfigSnapshot latest = assembler.current();
        assertThat(latest.clusters()).containsOnlyKeys(INBOUND);
        assertThat(latest.endpoints()).containsOnlyKeys(INBOUND);
        assertThat(latest.routeTables()).isEmpty();
        assertThat(assembler.configDumpJson()).doesNotContain("RouteConfiguration\",");
    }

    @Test
    void ignoresUnrequestedAssignmentsAndKeepsOthersOnPartialUpdates() throws Exception {
        String ratings = "outbound|9080||ratings.default.svc.cluster.local";
        assembler.onResponse(XdsTypeUrls.CLUSTER, "c1", pack(edsCluster(REVIEWS), edsCluster(ratings)));
        assembler.onResponse(XdsTypeUrls.ENDPOINT, "e1", pack(assignment(REVIEWS, "127.0.0.21", 9080),
                assignment(ratings, "127.0.0.31", 9080), assignment("unrelated", "127.0.0.41", 1)));
        assembler.onResponse(XdsTypeUrls.LISTENER, "l1", pack(inboundTcp("127.0.0.10", 8080, REVIEWS)));
        assembler.onResponse(XdsTypeUrls.ENDPOINT, "e2", pack(assignment(ratings, "127.0.0.32", 9080)));

        ProxyConfigSnapshot latest = assembler.current();
        assertThat(latest.endpoints()).containsOnlyKeys(REVIEWS, ratings);
        assertThat(latest.endpointSet(REVIEWS).endpoints()).extracting(Endpoint::address)
                .containsExactly(new InetSocketAddress("127.0.0.21", 9080));
        assertThat(latest.endpointSet(ratings).endpoints()).extracting(Endpoint::address)
                .containsExactly(new InetSocketAddress("127.0.0.32", 9080));
    }

    @Test
    void configDumpShowsNodeAndAcceptedResourcesWithVersions() throws Exception {
        receiveFullConfig();

        String json = assembler.configDumpJson();

        assertThat(json)
                .contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\"")
                .contains("\"id\": \"sidecar~127.0.0.10~reviews-v1.default~default.svc.cluster.local\"")
                .contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\"")
                .contains("\"versionInfo\": \"c1\"")
                .contains("\"name\": \"" + REVIEWS + "\"")
                .contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump\"")
                .contains("\"address\": \"127.0.0.21\"")
                .contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\"")
                .contains("\"@type\": \"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager"
                        + ".v3.HttpConnectionManager\"")
                .contains("\"routeConfigName\": \"9080\"")
                .contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.RoutesConfigDump\"")
                .contains("\"lastUpdated\": \"2026-01-02T03:04:05Z\"");
    }

    @Test
    void unsubscribedTypesAreRejected() {
        assertThatThrownBy(() -> assembler.onResponse("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3"
                + ".Secret", "s1", List.of(Any.getDefaultInstance())))
                .isInstanceOf(XdsRejectedException.class)
                .hasMessageStartingWith("type type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
                        + " unsupported");
        assertThat(assembler.resourceNames(XdsTypeUrls.CLUSTER)).isEqualTo(Set.of());
    }
}
