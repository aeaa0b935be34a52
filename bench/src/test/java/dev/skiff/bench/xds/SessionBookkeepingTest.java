package dev.skiff.bench.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SessionBookkeepingTest {
    private static final Node NODE = Node.newBuilder().setId("sidecar~127.64.0.1~wl-0.bench-0~bench-0.svc.cluster.local").build();
    private static final ChangeProbe ROUTE_PROBE =
            new ChangeProbe(1, ChangeProbe.ChangeKind.ROUTE, XdsTypes.ROUTE, "change-run-1");

    @Test
    void sotwStartsWithWildcardCdsAndLdsAndTheNodeOnlyFirst() {
        List<DiscoveryRequest> start = new SotwSession(NODE, false).start();
        assertThat(start).extracting(DiscoveryRequest::getTypeUrl).containsExactly(XdsTypes.CLUSTER, XdsTypes.LISTENER);
        assertThat(start.get(0).getNode()).isEqualTo(NODE);
        assertThat(start.get(1).hasNode()).isFalse();
        assertThat(start).allSatisfy(r -> assertThat(r.getResourceNamesList()).isEmpty());
        SotwSession every = new SotwSession(NODE, true);
        assertThat(every.start()).allSatisfy(r -> assertThat(r.getNode()).isEqualTo(NODE));
        assertThat(every.onResponse(sotw(XdsTypes.CLUSTER, "c1", "1", eds("a")), null).requests())
                .hasSize(2).allSatisfy(r -> assertThat(r.getNode()).isEqualTo(NODE));
        SotwSession firstOnly = new SotwSession(NODE, false);
        firstOnly.start();
        assertThat(firstOnly.onResponse(sotw(XdsTypes.CLUSTER, "c1", "1", eds("a")), null).requests())
                .hasSize(2).allSatisfy(r -> assertThat(r.hasNode()).isFalse());
    }

    @Test
    void sotwAcksEveryResponseAndFollowsReferencedNames() {
        SotwSession session = new SotwSession(NODE, false);
        session.start();

        var cds = session.onResponse(sotw(XdsTypes.CLUSTER, "c1", "1", eds("outbound|8080||b"), eds("outbound|8080||a"),
                staticCluster("inbound|9080||")), null);
        assertThat(cds.requests()).hasSize(2);
        assertThat(cds.requests().get(0)).satisfies(ack -> {
            assertThat(ack.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);
            assertThat(ack.getVersionInfo()).isEqualTo("c1");
            assertThat(ack.getResponseNonce()).isEqualTo("1");
            assertThat(ack.hasErrorDetail()).isFalse();
        });
        assertThat(cds.requests().get(1)).satisfies(eds -> {
            assertThat(eds.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(eds.getResourceNamesList()).containsExactly("outbound|8080||a", "outbound|8080||b");
            assertThat(eds.getVersionInfo()).isEmpty();
            assertThat(eds.getResponseNonce()).isEmpty();
        });

        var edsResponse = session.onResponse(sotw(XdsTypes.ENDPOINT, "e1", "2", assignment("outbound|8080||a")), null);
        assertThat(edsResponse.requests()).singleElement().satisfies(ack -> {
            assertThat(ack.getVersionInfo()).isEqualTo("e1");
            assertThat(ack.getResponseNonce()).isEqualTo("2");
            assertThat(ack.getResourceNamesList()).containsExactly("outbound|8080||a", "outbound|8080||b");
        });

        var sameClusters = session.onResponse(sotw(XdsTypes.CLUSTER, "c2", "3", eds("outbound|8080||a"),
                eds("outbound|8080||b")), null);
        assertThat(sameClusters.requests()).singleElement()
                .satisfies(ack -> assertThat(ack.getResponseNonce()).isEqualTo("3"));

        var fewerClusters = session.onResponse(sotw(XdsTypes.CLUSTER, "c3", "4", eds("outbound|8080||a")), null);
        assertThat(fewerClusters.requests()).hasSize(2);
        assertThat(fewerClusters.requests().get(1)).satisfies(eds -> {
            assertThat(eds.getResourceNamesList()).containsExactly("outbound|8080||a");
            assertThat(eds.getVersionInfo()).isEqualTo("e1");
            assertThat(eds.getResponseNonce()).isEqualTo("2");
        });
        assertThat(session.synced()).isFalse();

        var lds = session.onResponse(sotw(XdsTypes.LISTENER, "l1", "5", listener("virtualOutbound", "8080", "9090")), null);
        assertThat(lds.requests()).hasSize(2);
        assertThat(lds.requests().get(1).getResourceNamesList()).containsExactly("8080", "9090");

        var rds = session.onResponse(sotw(XdsTypes.ROUTE, "r1", "6", routes("8080", "initial")), ROUTE_PROBE);
        assertThat(rds.carriesProbe()).isFalse();
        assertThat(session.synced()).isTrue();

        var changed = session.onResponse(sotw(XdsTypes.ROUTE, "r2", "7", routes("8080", "change-run-1")), ROUTE_PROBE);
        assertThat(changed.carriesProbe()).isTrue();
        assertThat(changed.requests()).singleElement().satisfies(ack -> {
            assertThat(ack.getVersionInfo()).isEqualTo("r2");
            assertThat(ack.getResponseNonce()).isEqualTo("7");
            assertThat(ack.getResourceNamesList()).containsExactly("8080", "9090");
        });
        assertThat(session.onResponse(sotw(XdsTypes.ENDPOINT, "e2", "8", assignment("outbound|8080||a")), ROUTE_PROBE)
                .carriesProbe()).as("a probe only looks at its own type").isFalse();
    }

    @Test
    void deltaAcksByNonceAndSubscribesAndUnsubscribesReferencedNames() {
        DeltaSession session = new DeltaSession(NODE, false);
        List<DeltaDiscoveryRequest> start = session.start();
        assertThat(start).extracting(DeltaDiscoveryRequest::getTypeUrl).containsExactly(XdsTypes.CLUSTER, XdsTypes.LISTENER);
        assertThat(start).allSatisfy(r -> assertThat(r.getResourceNamesSubscribeList()).isEmpty());
        assertThat(start.get(0).getNode()).isEqualTo(NODE);
        assertThat(start.get(1).hasNode()).isFalse();

        var cds = session.onResponse(delta(XdsTypes.CLUSTER, "1", List.of(), resource("a", "v1", eds("a")),
                resource("b", "v1", eds("b"))), null);
        assertThat(cds.requests()).hasSize(2);
        assertThat(cds.requests().get(0)).satisfies(ack -> {
            assertThat(ack.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);
            assertThat(ack.getResponseNonce()).isEqualTo("1");
        });
        assertThat(cds.requests().get(1).getResourceNamesSubscribeList()).containsExactly("a", "b");
        assertThat(session.held(XdsTypes.CLUSTER)).containsEntry("a", "v1").containsEntry("b", "v1");

        var update = session.onResponse(delta(XdsTypes.CLUSTER, "2", List.of("b"), resource("a", "v2", eds("a"))), null);
        assertThat(update.requests()).hasSize(2);
        assertThat(update.requests().get(1)).satisfies(eds -> {
            assertThat(eds.getResourceNamesSubscribeList()).isEmpty();
            assertThat(eds.getResourceNamesUnsubscribeList()).containsExactly("b");
        });
        assertThat(session.held(XdsTypes.CLUSTER)).containsOnlyKeys("a").containsEntry("a", "v2");
        assertThat(session.subscribed(XdsTypes.ENDPOINT)).containsExactly("a");

        session.onResponse(delta(XdsTypes.ENDPOINT, "3", List.of(), resource("a", "v1", assignment("a"))), null);
        var lds = session.onResponse(delta(XdsTypes.LISTENER, "4", List.of(),
                resource("virtualOutbound", "v1", listener("virtualOutbound", "8080"))), null);
        assertThat(lds.requests().get(1).getResourceNamesSubscribeList()).containsExactly("8080");
        var rds = session.onResponse(delta(XdsTypes.ROUTE, "5", List.of(),
                resource("8080", "v1", routes("8080", "change-run-1"))), ROUTE_PROBE);
        assertThat(rds.carriesProbe()).isTrue();
        assertThat(rds.requests()).singleElement().satisfies(ack -> assertThat(ack.getResponseNonce()).isEqualTo("5"));
        assertThat(session.synced()).isTrue();
    }

    private static DiscoveryResponse sotw(String typeUrl, String version, String nonce, com.google.protobuf.Message... resources) {
        DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setVersionInfo(version)
                .setNonce(nonce);
        for (var resource : resources) {
            response.addResources(Any.pack(resource));
        }
        return response.build();
    }

    private static DeltaDiscoveryResponse delta(String typeUrl, String nonce, List<String> removed, Resource... resources) {
        return DeltaDiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce)
                .addAllResources(List.of(resources)).addAllRemovedResources(removed).build();
    }

    private static Resource resource(String name, String version, com.google.protobuf.Message body) {
        return Resource.newBuilder().setName(name).setVersion(version).setResource(Any.pack(body)).build();
    }

    private static Cluster eds(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)).build();
    }

    private static Cluster staticCluster(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC).build();
    }

    private static ClusterLoadAssignment assignment(String name) {
        return ClusterLoadAssignment.newBuilder().setClusterName(name).build();
    }

    private static Listener listener(String name, String... routeConfigs) {
        Listener.Builder listener = Listener.newBuilder().setName(name);
        for (String routeConfig : routeConfigs) {
            HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                    .setRds(Rds.newBuilder().setRouteConfigName(routeConfig)).build();
            listener.addFilterChains(FilterChain.newBuilder().setName(routeConfig).addFilters(Filter.newBuilder()
                    .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))));
        }
        return listener.build();
    }

    private static RouteConfiguration routes(String name, String headerValue) {
        return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(VirtualHost.newBuilder()
                .setName("svc-0:8080").addDomains("svc-0").addRoutes(io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                        .setName("canary").setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                                .setPrefix("/").addHeaders(io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder()
                                        .setName("x-canary").setStringMatch(
                                                io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder()
                                                        .setExact(headerValue)))))).build();
    }
}
