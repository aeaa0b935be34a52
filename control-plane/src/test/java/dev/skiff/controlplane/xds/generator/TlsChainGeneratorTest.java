package dev.skiff.controlplane.xds.generator;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.chain;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.listener;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.provider;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.sidecar;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** VirtualService tls routes: SNI filter chains on the outbound listener, and the TLS inspector. */
class TlsChainGeneratorTest {
    private static final String MESH = MeshYaml.documents(
            MeshYaml.workload("client", "default", "127.0.42.1", "app: client"),
            MeshYaml.meshExternalService("example", 443, "TLS", "a.example.com", "b.example.com"),
            MeshYaml.meshExternalService("plain", 8443, "HTTPS", "plain.example.com"),
            MeshYaml.meshInternalService("backends", 9443, "TLS", "backend-a.default.svc.cluster.local",
                    "backend-b.default.svc.cluster.local", "backend-c.default.svc.cluster.local"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: example, namespace: default}
            spec:
              hosts: [a.example.com, b.example.com]
              tls:
              - match:
                - sniHosts: [a.example.com]
                  sourceLabels: {app: tester}
                route:
                - destination: {host: backend-c.default.svc.cluster.local}
              - match:
                - sniHosts: [a.example.com]
                  gateways: [mesh]
                - sniHosts: [b.example.com]
                  port: 8443
                route:
                - destination: {host: backend-a.default.svc.cluster.local}
              - match:
                - sniHosts: [b.example.com]
                  destinationSubnets: [10.0.0.0/8]
                route:
                - destination: {host: backend-c.default.svc.cluster.local}
              - match:
                - sniHosts: [b.example.com, a.example.com]
                route:
                - destination: {host: backend-a.default.svc.cluster.local}
                  weight: 25
                - destination: {host: backend-b.default.svc.cluster.local}
                  weight: 75
            """);

    private static final String DB = MeshYaml.meshInternalService("db", 5432, "TCP", "db.default.svc.cluster.local");

    private static Listener outbound(ConfigSnapshot config, String workload) throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(config);
        return listener(provider, sidecar("127.0.42.1", workload, "default"), "virtualOutbound");
    }

    @Test
    void eachSniMatchGetsAChainWithServerNamesAndTheFirstChainForANameWins() throws Exception {
        Listener listener = outbound(MeshConfigs.parse("mesh.yaml", MESH), "client");

        List<FilterChain> on443 = listener.getFilterChainsList().stream()
                .filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == 443).toList();
        assertThat(on443).extracting(FilterChain::getName)
                .containsExactly("sni|443|a.example.com", "sni|443|b.example.com");
        FilterChain a = on443.get(0);
        assertThat(a.getFilterChainMatch().getServerNamesList()).containsExactly("a.example.com");
        assertThat(a.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
        assertThat(tcpProxy(a).getCluster()).isEqualTo("outbound|9443||backend-a.default.svc.cluster.local");
        FilterChain b = on443.get(1);
        assertThat(b.getFilterChainMatch().getServerNamesList()).containsExactly("b.example.com");
        assertThat(tcpProxy(b).getWeightedClusters().getClustersList())
                .extracting(c -> c.getName() + "=" + c.getWeight())
                .containsExactly("outbound|9443||backend-a.default.svc.cluster.local=25",
                        "outbound|9443||backend-b.default.svc.cluster.local=75");
        assertThat(listener.getListenerFiltersList()).singleElement().satisfies(filter -> {
            assertThat(filter.getName()).isEqualTo("envoy.filters.listener.tls_inspector");
            assertThat(filter.getTypedConfig().unpack(TlsInspector.class))
                    .isEqualTo(TlsInspector.getDefaultInstance());
        });
    }

    @Test
    void theOutboundListenerMatchesTheGoldenFile() {
        DefaultXdsResourceProvider provider = provider(MESH);
        ProxyView view = sidecar("127.0.42.1", "client", "default");

        GoldenFiles.assertMatches("tls-routing/sidecar-client-listeners.json", EnvoyJson.dump(Map.of("listeners",
                provider.resources(view, TypeUrls.LISTENER, Set.of()))));
    }

    @Test
    void aClientWithTheSourceLabelsGetsItsRoute() throws Exception {
        ConfigSnapshot config = MeshConfigs.parse("mesh.yaml", MeshYaml.documents(MESH,
                MeshYaml.workload("tester", "default", "127.0.42.2", "app: tester")));

        Listener listener = outbound(config, "tester");

        assertThat(tcpProxy(chain(listener, "sni|443|a.example.com")).getCluster())
                .isEqualTo("outbound|9443||backend-c.default.svc.cluster.local");
        assertThat(MeshSnapshot.next(MeshSnapshot.empty(), config).problems()).contains(
                "VirtualService default/example: tls[2].match[0].destinationSubnets: this match is left out "
                        + "(sidecars tell outbound destinations apart by port and SNI, not by address)");
    }

    @Test
    void tlsServicesWithoutRoutesAreMatchedByTheirOwnHostName() throws Exception {
        Listener listener = outbound(MeshConfigs.parse("mesh.yaml", MESH), "client");

        FilterChain plain = chain(listener, "sni|8443|plain.example.com");
        assertThat(plain.getFilterChainMatch().getServerNamesList()).containsExactly("plain.example.com");
        assertThat(tcpProxy(plain).getCluster()).isEqualTo("outbound|8443||plain.example.com");
        assertThat(listener.getFilterChainsList().stream()
                .filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == 9443))
                .map(c -> String.join(",", c.getFilterChainMatch().getServerNamesList()))
                .containsExactly("backend-a.default.svc.cluster.local", "backend-b.default.svc.cluster.local",
                        "backend-c.default.svc.cluster.local");
    }

    @Test
    void aTcpServiceWithTlsRoutesKeepsItsPlaintextChainAfterTheSniChains() throws Exception {
        Listener listener = outbound(MeshConfigs.parse("mesh.yaml", MeshYaml.documents(DB,
                MeshYaml.meshInternalService("db-tls", 6432, "TLS", "db-tls.default.svc.cluster.local"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: default}
                spec:
                  hosts: [db.default.svc.cluster.local]
                  tls:
                  - match:
                    - sniHosts: [db.default.svc.cluster.local]
                    route:
                    - destination: {host: db-tls.default.svc.cluster.local}
                """)), "client");

        assertThat(listener.getFilterChainsList().stream()
                .filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == 5432))
                .extracting(FilterChain::getName)
                .containsExactly("sni|5432|db.default.svc.cluster.local",
                        "outbound|5432||db.default.svc.cluster.local");
        assertThat(tcpProxy(chain(listener, "sni|5432|db.default.svc.cluster.local")).getCluster())
                .isEqualTo("outbound|6432||db-tls.default.svc.cluster.local");
    }

    @Test
    void matchesForOtherGatewaysOrNamespacesAreLeftOut() throws Exception {
        Listener listener = outbound(MeshConfigs.parse("mesh.yaml", MeshYaml.documents(
                MeshYaml.meshExternalService("api", 443, "HTTPS", "api.example.com", "api-v2.example.com"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api, namespace: default}
                spec:
                  hosts: [api.example.com]
                  tls:
                  - match:
                    - sniHosts: [api.example.com]
                      gateways: [istio-system/ingress]
                    - sniHosts: [api.example.com]
                      sourceNamespace: other
                    route:
                    - destination: {host: api-v2.example.com}
                """)), "client");

        assertThat(listener.getFilterChainsList()).extracting(FilterChain::getName)
                .contains("sni|443|api.example.com", "sni|443|api-v2.example.com");
        assertThat(tcpProxy(chain(listener, "sni|443|api.example.com")).getCluster())
                .isEqualTo("outbound|443||api.example.com");
    }

    @Test
    void aMeshWithoutSniChainsHasNoTlsInspector() throws Exception {
        Listener listener = outbound(MeshConfigs.parse("mesh.yaml", DB), "client");

        assertThat(listener.getListenerFiltersList()).isEmpty();
        assertThat(chain(listener, "outbound|5432||db.default.svc.cluster.local").getFilterChainMatch()
                .getServerNamesList()).isEmpty();
    }
}
