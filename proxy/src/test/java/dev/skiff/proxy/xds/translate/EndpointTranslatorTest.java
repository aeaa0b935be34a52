package dev.skiff.proxy.xds.translate;

import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointTranslatorTest {
    private static final String CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";
    private final EndpointTranslator translator = new EndpointTranslator();

    static LbEndpoint.Builder lbEndpoint(String ip, int port) {
        return LbEndpoint.newBuilder().setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress(ip).setPortValue(port))));
    }

    @Test
    void endpointsWithLocalitiesWeightsAndDefaults() throws Exception {
        ClusterLoadAssignment assignment = ClusterLoadAssignment.newBuilder()
                .setClusterName(CLUSTER)
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .setLocality(Locality.newBuilder().setRegion("eu").setZone("eu-1").setSubZone("a"))
                        .setLoadBalancingWeight(UInt32Value.of(4))
                        .addLbEndpoints(lbEndpoint("127.0.0.11", 9080).setLoadBalancingWeight(UInt32Value.of(3)))
                        .addLbEndpoints(lbEndpoint("127.0.0.12", 9080)
                                .setHealthStatus(HealthStatus.HEALTHY)))
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(lbEndpoint("::1", 9081)))
                .build();

        EndpointSet set = translator.translate(assignment, CLUSTER);

        assertThat(set).isEqualTo(new EndpointSet(CLUSTER, List.of(
                new Endpoint(new InetSocketAddress("127.0.0.11", 9080), 3, "eu/eu-1/a", Map.of(), 0, 4),
                new Endpoint(new InetSocketAddress("127.0.0.12", 9080), 1, "eu/eu-1/a", Map.of(), 0, 4),
                new Endpoint(new InetSocketAddress("::1", 9081), 1, ""))));
    }

    @Test
    void skipsEndpointsThatAreNotServing() throws Exception {
        ClusterLoadAssignment assignment = ClusterLoadAssignment.newBuilder()
                .setClusterName(CLUSTER)
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(lbEndpoint("127.0.0.1", 1).setHealthStatus(HealthStatus.UNHEALTHY))
                        .addLbEndpoints(lbEndpoint("127.0.0.2", 2).setHealthStatus(HealthStatus.DRAINING))
                        .addLbEndpoints(lbEndpoint("127.0.0.3", 3).setHealthStatus(HealthStatus.TIMEOUT))
                        .addLbEndpoints(lbEndpoint("127.0.0.4", 4).setHealthStatus(HealthStatus.DEGRADED))
                        .addLbEndpoints(lbEndpoint("127.0.0.5", 5).setHealthStatus(HealthStatus.UNKNOWN)))
                .build();

        EndpointSet set = translator.translate(assignment, CLUSTER);

        assertThat(set.endpoints()).extracting(e -> e.address().getPort()).containsExactly(4, 5);
    }

    @Test
    void emptyAssignmentIsAnEmptySet() throws Exception {
        EndpointSet set = translator.translate(ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER).build(),
                "other");

        assertThat(set).isEqualTo(new EndpointSet("other", List.of()));
    }

    @Test
    void rejectsHostNamesZeroPortsAndPipes() {
        assertRejected(assignment(lbEndpoint("reviews.local", 80)),
                "cluster_load_assignment c: locality '': endpoint: address 'reviews.local'"
                        + " (expected: an IPv4 or IPv6 literal)");
        assertRejected(assignment(lbEndpoint("127.0.0.1", 0)),
                "cluster_load_assignment c: locality '': endpoint 127.0.0.1:0: port 0 (expected: 1..65535)");
        assertRejected(assignment(LbEndpoint.newBuilder().setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint
                        .newBuilder().setAddress(Address.newBuilder().setPipe(Pipe.newBuilder().setPath("/x"))))),
                "cluster_load_assignment c: locality '': endpoint: pipe address unsupported (expected: socket_address)");
    }

    @Test
    void rejectsZeroWeightAndPriorities() {
        assertRejected(assignment(lbEndpoint("127.0.0.1", 80).setLoadBalancingWeight(UInt32Value.of(0))),
                "cluster_load_assignment c: locality '': endpoint 127.0.0.1:80: load_balancing_weight 0"
                        + " (expected: 1..2147483647)");
        ClusterLoadAssignment withGap = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(0)
                        .addLbEndpoints(lbEndpoint("127.0.0.1", 80)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(2)
                        .addLbEndpoints(lbEndpoint("127.0.0.2", 80)))
                .build();
        assertRejected(withGap, "cluster_load_assignment c: priorities {0, 2} skip 1"
                + " (expected: priorities from 0 without gaps)");
        ClusterLoadAssignment zeroLocalityWeight = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().setLoadBalancingWeight(UInt32Value.of(0))
                        .addLbEndpoints(lbEndpoint("127.0.0.1", 80)))
                .build();
        assertRejected(zeroLocalityWeight, "cluster_load_assignment c: locality '': load_balancing_weight 0"
                + " (expected: 1..2147483647)");
    }

    @Test
    void prioritiesAndLocalityWeightsGoWithEachEndpoint() throws Exception {
        ClusterLoadAssignment assignment = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1)
                        .setLocality(Locality.newBuilder().setRegion("r1").setZone("z2"))
                        .setLoadBalancingWeight(UInt32Value.of(20))
                        .addLbEndpoints(lbEndpoint("127.0.0.2", 80)))
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .setLocality(Locality.newBuilder().setRegion("r1").setZone("z1"))
                        .setLoadBalancingWeight(UInt32Value.of(80))
                        .addLbEndpoints(lbEndpoint("127.0.0.1", 80)))
                .build();

        assertThat(translator.translate(assignment, "c").endpoints()).containsExactly(
                new Endpoint(new InetSocketAddress("127.0.0.2", 80), 1, "r1/z2/", Map.of(), 1, 20),
                new Endpoint(new InetSocketAddress("127.0.0.1", 80), 1, "r1/z1/", Map.of(), 0, 80));
    }

    @Test
    void rejectsDropOverloads() {
        ClusterLoadAssignment assignment = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .setPolicy(ClusterLoadAssignment.Policy.newBuilder()
                        .addDropOverloads(ClusterLoadAssignment.Policy.DropOverload.newBuilder().setCategory("x")))
                .build();

        assertRejected(assignment, "cluster_load_assignment c: policy: drop_overloads: unsupported"
                + " (expected only: no fields)");
    }

    private static ClusterLoadAssignment assignment(LbEndpoint.Builder endpoint) {
        return ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint))
                .build();
    }

    private void assertRejected(ClusterLoadAssignment assignment, String reason) {
        assertThatThrownBy(() -> translator.translate(assignment, assignment.getClusterName()))
                .isInstanceOf(TranslationException.class)
                .hasMessage(reason);
    }
}
