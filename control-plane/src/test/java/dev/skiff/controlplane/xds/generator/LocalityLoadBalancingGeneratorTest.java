package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Locality load balancing as Istio writes it per client locality: failover priorities by distance (with outlier
 * detection only), region failover rules, distribute weights with locality-weighted clusters.
 */
class LocalityLoadBalancingGeneratorTest {
    private static final String CLUSTER = "outbound|8000||httpbin.default.svc.cluster.local";
    private static final String SERVICES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: httpbin, namespace: default}
            spec:
              hosts: [httpbin.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
                - {number: 8000, name: http, protocol: HTTP}
              endpoints:
                - {address: 127.0.56.10, locality: region1/zone1/a, labels: {network: n1}}
                - {address: 127.0.56.11, locality: region1/zone1/b, labels: {network: n2}}
                - {address: 127.0.56.12, locality: region1/zone2, labels: {network: n1}}
                - {address: 127.0.56.13, locality: region2/zone1, labels: {network: n1}}
                - {address: 127.0.56.14, locality: region3/zone1}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: client, namespace: default}
            spec:
              address: 127.0.56.1
              labels: {app: client, network: n1}
              locality: region1/zone1/a
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: faraway, namespace: default}
            spec:
              address: 127.0.56.2
              labels: {app: faraway}
              locality: region2/zone1
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: nowhere, namespace: default}
            spec:
              address: 127.0.56.3
              labels: {app: nowhere}
            """;
    private static final String OUTLIER = "outlierDetection: {consecutive5xxErrors: 1}";

    private static DefaultXdsResourceProvider provider(String trafficPolicy) {
        return GeneratorFixtures.provider(MeshYaml.documents(SERVICES,
                MeshYaml.trafficPolicy("httpbin", "httpbin.default.svc.cluster.local", trafficPolicy)));
    }

    private static ProxyView sidecar(String workload, String address, Map<String, String> labels) {
        return GeneratorFixtures.sidecar(address, workload, "default", labels);
    }

    private static ClusterLoadAssignment endpoints(DefaultXdsResourceProvider provider, ProxyView proxy)
            throws Exception {
        return GeneratorFixtures.named(provider.resources(proxy, TypeUrls.ENDPOINT, Set.of(CLUSTER)), CLUSTER,
                ClusterLoadAssignment.class);
    }

    private static Cluster cluster(DefaultXdsResourceProvider provider, ProxyView proxy) throws Exception {
        return GeneratorFixtures.named(provider.resources(proxy, TypeUrls.CLUSTER, Set.of(CLUSTER)), CLUSTER,
                Cluster.class);
    }

    /** Locality {@code region/zone/subzone} to the group's priority. */
    private static Map<String, Integer> priorities(ClusterLoadAssignment assignment) {
        Map<String, Integer> priorities = new TreeMap<>();
        for (LocalityLbEndpoints group : assignment.getEndpointsList()) {
            priorities.put(name(group), group.getPriority());
        }
        return priorities;
    }

    /** Locality to its weight, for the localities that keep endpoints. */
    private static Map<String, Integer> weights(ClusterLoadAssignment assignment) {
        Map<String, Integer> weights = new TreeMap<>();
        for (LocalityLbEndpoints group : assignment.getEndpointsList()) {
            if (group.getLbEndpointsCount() > 0) {
                weights.put(name(group), group.getLoadBalancingWeight().getValue());
            }
        }
        return weights;
    }

    private static String name(LocalityLbEndpoints group) {
        return group.getLocality().getRegion() + "/" + group.getLocality().getZone() + "/"
                + group.getLocality().getSubZone();
    }

    @Test
    void outlierDetectionTurnsOnFailoverByDistanceFromEachClientsLocality() throws Exception {
        DefaultXdsResourceProvider provider = provider(OUTLIER);

        assertThat(priorities(endpoints(provider, sidecar("client", "127.0.56.1", Map.of())))).isEqualTo(Map.of(
                "region1/zone1/a", 0, "region1/zone1/b", 1, "region1/zone2/", 2, "region2/zone1/", 3,
                "region3/zone1/", 3));
        assertThat(priorities(endpoints(provider, sidecar("faraway", "127.0.56.2", Map.of())))).isEqualTo(Map.of(
                "region1/zone1/a", 1, "region1/zone1/b", 1, "region1/zone2/", 1, "region2/zone1/", 0,
                "region3/zone1/", 1));
    }

    @Test
    void aClientWithoutWorkloadEntryLocalityIsPlacedByItsIstioLocalityLabel() throws Exception {
        DefaultXdsResourceProvider provider = provider(OUTLIER);

        ProxyView labelled = new ProxyView("sidecar~127.0.56.4~labelled.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "labelled", "default", Map.of("istio-locality", "region1.zone2"));
        assertThat(priorities(endpoints(provider, labelled))).isEqualTo(Map.of(
                "region1/zone1/a", 1, "region1/zone1/b", 1, "region1/zone2/", 0, "region2/zone1/", 2,
                "region3/zone1/", 2));
        assertThat(priorities(endpoints(provider, sidecar("nowhere", "127.0.56.3", Map.of()))))
                .containsOnlyKeys("region1/zone1/a", "region1/zone1/b", "region1/zone2/", "region2/zone1/",
                        "region3/zone1/")
                .allSatisfy((locality, priority) -> assertThat(priority).isZero());
    }

    @Test
    void withoutOutlierDetectionOrWhenDisabledEveryLocalityStaysAtPriorityZero() throws Exception {
        for (String policy : new String[]{
                "loadBalancer: {localityLbSetting: {enabled: true}}",
                "loadBalancer: {localityLbSetting: {enabled: false}}\n" + OUTLIER}) {
            assertThat(priorities(endpoints(provider(policy), sidecar("client", "127.0.56.1", Map.of()))))
                    .as(policy).allSatisfy((locality, priority) -> assertThat(priority).isZero());
        }
    }

    @Test
    void failoverRulesPutTheNamedRegionBeforeOtherRegions() throws Exception {
        DefaultXdsResourceProvider provider = provider("""
                loadBalancer:
                  localityLbSetting:
                    failover: [{from: region1, to: region3}]
                """ + OUTLIER);

        assertThat(priorities(endpoints(provider, sidecar("client", "127.0.56.1", Map.of())))).isEqualTo(Map.of(
                "region1/zone1/a", 0, "region1/zone1/b", 1, "region1/zone2/", 2, "region2/zone1/", 4,
                "region3/zone1/", 3));
    }

    /** The client's priorities under outlier detection and a localityLbSetting with this failoverPriority list. */
    private static Map<String, Integer> clientPriorities(String failoverPriority) throws Exception {
        return priorities(endpoints(provider("loadBalancer: {localityLbSetting: {failoverPriority: " + failoverPriority
                + "}}\n" + OUTLIER), sidecar("client", "127.0.56.1", Map.of())));
    }

    @Test
    void failoverPriorityRanksEndpointsByTheLeadingLabelsTheyShareWithTheClient() throws Exception {
        assertThat(clientPriorities("[network]")).isEqualTo(Map.of(
                "region1/zone1/a", 0, "region1/zone1/b", 1, "region1/zone2/", 0, "region2/zone1/", 0,
                "region3/zone1/", 1));
        assertThat(clientPriorities("[topology.kubernetes.io/region, network]")).isEqualTo(Map.of(
                "region1/zone1/a", 0, "region1/zone1/b", 1, "region1/zone2/", 0, "region2/zone1/", 2,
                "region3/zone1/", 2));
        assertThat(clientPriorities("[network=n2]")).isEqualTo(Map.of(
                "region1/zone1/a", 1, "region1/zone1/b", 0, "region1/zone2/", 1, "region2/zone1/", 1,
                "region3/zone1/", 1));
    }

    @Test
    void failoverRulesOrderTheLocalitiesWithinEachFailoverPriorityLevel() throws Exception {
        DefaultXdsResourceProvider provider = provider("""
                loadBalancer:
                  localityLbSetting:
                    failoverPriority: [network]
                    failover: [{from: region1, to: region3}]
                """ + OUTLIER);

        assertThat(priorities(endpoints(provider, sidecar("client", "127.0.56.1", Map.of())))).isEqualTo(Map.of(
                "region1/zone1/a", 0, "region1/zone2/", 1, "region2/zone1/", 2, "region1/zone1/b", 3,
                "region3/zone1/", 4));
    }

    @Test
    void distributeWeighsTheMatchingLocalitiesAndDropsTheOthers() throws Exception {
        DefaultXdsResourceProvider provider = provider("""
                loadBalancer:
                  localityLbSetting:
                    distribute:
                    - from: region1/zone1/*
                      to: {"region1/zone1/*": 80, "region1/zone2/*": 20}
                    - from: region2/*
                      to: {"region3/*": 100}
                """);

        ProxyView client = sidecar("client", "127.0.56.1", Map.of());
        assertThat(weights(endpoints(provider, client))).isEqualTo(Map.of(
                "region1/zone1/a", 40, "region1/zone1/b", 40, "region1/zone2/", 20));
        assertThat(weights(endpoints(provider, sidecar("faraway", "127.0.56.2", Map.of()))))
                .isEqualTo(Map.of("region3/zone1/", 100));
        assertThat(cluster(provider, client).getCommonLbConfig().hasLocalityWeightedLbConfig()).isTrue();
    }
}
