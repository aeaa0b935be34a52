package dev.skiff.controlplane.xds.generator;

import dev.skiff.api.metadataexchange.MetadataExchange;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.named;
import static org.assertj.core.api.Assertions.assertThat;

/** Istio's TCP metadata exchange: the cluster filter and ALPN of TCP clusters, the first filter of inbound chains. */
class MetadataExchangeGeneratorTest {

    private static final String MESH = MeshYaml.documents(MeshYaml.reviewsService(), """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: ratings-db, namespace: default}
                    spec:
                      hosts: [ratings-db.default.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{number: 5432, name: tcp, protocol: TCP, targetPort: 5432}]
                      workloadSelector: {labels: {app: ratings-db}}
                    """,
            MeshYaml.workload("reviews-v1", "default", "127.0.0.11", "app: reviews, security.istio.io/tlsMode: istio"),
            MeshYaml.workload("ratings-db", "default", "127.0.0.12",
                    "app: ratings-db, security.istio.io/tlsMode: istio"),
            MeshYaml.workload("client", "default", "127.0.0.10", "app: client, security.istio.io/tlsMode: istio"));
    private static final String STRICT = """
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: istio-system}
            spec: {mtls: {mode: STRICT}}
            """;
    private static final String TCP_CLUSTER = "outbound|5432||ratings-db.default.svc.cluster.local";
    private static final String HTTP_CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";

    @Test
    void tcpClustersCarryTheExchangeFilterAndOfferPeerExchange() throws Exception {
        DefaultXdsResourceProvider provider = GeneratorFixtures.provider(MESH);
        var clusters = provider.resources(GeneratorFixtures.sidecar("127.0.0.10", "client", "default"),
                TypeUrls.CLUSTER, Set.of());

        Cluster tcp = named(clusters, TCP_CLUSTER, Cluster.class);
        assertThat(tcp.getFiltersList()).hasSize(1);
        assertThat(tcp.getFilters(0).getName()).isEqualTo("istio.metadata_exchange");
        assertThat(tcp.getFilters(0).getTypedConfig().getTypeUrl())
                .isEqualTo("type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange");
        assertThat(tcp.getFilters(0).getTypedConfig().unpack(MetadataExchange.class).getProtocol())
                .isEqualTo("istio-peer-exchange");
        assertThat(upstreamAlpn(tcp)).containsExactly("istio-peer-exchange", "istio");

        Cluster http = named(clusters, HTTP_CLUSTER, Cluster.class);
        assertThat(http.getFiltersList()).isEmpty();
        assertThat(upstreamAlpn(http)).containsExactly("istio");
    }

    @Test
    void istioMutualFromADestinationRuleOffersPeerExchangeOnTcpPorts() throws Exception {
        DefaultXdsResourceProvider provider = GeneratorFixtures.provider(MeshYaml.documents(MESH,
                MeshYaml.trafficPolicy("ratings-db", "ratings-db.default.svc.cluster.local",
                        "tls: {mode: ISTIO_MUTUAL}")));

        Cluster tcp = named(provider.resources(GeneratorFixtures.sidecar("127.0.0.10", "client", "default"),
                TypeUrls.CLUSTER, Set.of()), TCP_CLUSTER, Cluster.class);

        assertThat(tcp.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class).getCommonTlsContext()
                .getAlpnProtocolsList()).containsExactly("istio-peer-exchange", "istio");
        assertThat(tcp.getFiltersList()).extracting(io.envoyproxy.envoy.config.cluster.v3.Filter::getName)
                .containsExactly("istio.metadata_exchange");
    }

    @Test
    void inboundMutualTlsTcpChainsStartWithTheExchangeFilter() throws Exception {
        DefaultXdsResourceProvider provider = GeneratorFixtures.provider(MESH + STRICT);
        ProxyView db = GeneratorFixtures.sidecar("127.0.0.12", "ratings-db", "default");

        FilterChain tcp = named(provider.resources(db, TypeUrls.LISTENER, Set.of()), "inbound|5432", Listener.class)
                .getFilterChains(0);
        assertThat(tcp.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
        assertThat(tcp.getFiltersList()).extracting(Filter::getName)
                .containsExactly("istio.metadata_exchange", "envoy.filters.network.tcp_proxy");
        assertThat(tcp.getFilters(0).getTypedConfig().unpack(MetadataExchange.class).getProtocol())
                .isEqualTo("istio-peer-exchange");
        assertThat(downstreamAlpn(tcp)).containsExactly("istio-peer-exchange", "h2", "http/1.1");

        ProxyView reviews = GeneratorFixtures.sidecar("127.0.0.11", "reviews-v1", "default");
        FilterChain http = named(provider.resources(reviews, TypeUrls.LISTENER, Set.of()), "inbound|9080",
                Listener.class).getFilterChains(0);
        assertThat(http.getFiltersList()).extracting(Filter::getName)
                .doesNotContain("istio.metadata_exchange");
        assertThat(downstreamAlpn(http)).containsExactly("h2", "http/1.1");
    }

    @Test
    void permissiveKeepsItsPlaintextTcpChainWithoutTheExchangeFilter() throws Exception {
        DefaultXdsResourceProvider provider = GeneratorFixtures.provider(MESH);
        Listener permissive = named(provider.resources(GeneratorFixtures.sidecar("127.0.0.12", "ratings-db",
                "default"), TypeUrls.LISTENER, Set.of()), "inbound|5432", Listener.class);

        assertThat(permissive.getFilterChainsList()).extracting(c -> c.getFilterChainMatch().getTransportProtocol())
                .containsExactly("tls", "raw_buffer");
        assertThat(permissive.getFilterChains(0).getFilters(0).getName()).isEqualTo("istio.metadata_exchange");
        assertThat(permissive.getFilterChains(1).getFiltersList()).extracting(Filter::getName)
                .containsExactly("envoy.filters.network.tcp_proxy");
    }

    private static java.util.List<String> upstreamAlpn(Cluster cluster) throws Exception {
        return cluster.getTransportSocketMatches(0).getTransportSocket().getTypedConfig()
                .unpack(UpstreamTlsContext.class).getCommonTlsContext().getAlpnProtocolsList();
    }

    private static java.util.List<String> downstreamAlpn(FilterChain chain) throws Exception {
        return chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class).getCommonTlsContext()
                .getAlpnProtocolsList();
    }
}
