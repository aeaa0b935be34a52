package dev.skiff.controlplane.xds.generator;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.named;
import static org.assertj.core.api.Assertions.assertThat;

class TransportSocketGeneratorTest {

    private static final String MESH = MeshYaml.documents(MeshYaml.reviewsService(),
            MeshYaml.workload("reviews-v1", "default", "127.0.0.11", "bookinfo-reviews",
                    "app: reviews, security.istio.io/tlsMode: istio"),
            MeshYaml.workload("reviews-legacy", "default", "127.0.0.12", "app: reviews"),
            MeshYaml.workload("client", "default", "127.0.0.10", "app: client, security.istio.io/tlsMode: istio"));
    private static final String CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";

    private static DefaultXdsResourceProvider provider(String extra) {
        return GeneratorFixtures.provider(MESH + extra);
    }

    private static ProxyView sidecar(String workload) {
        return GeneratorFixtures.sidecar("127.0.0.10", workload, "default");
    }

    @Test
    void autoMtlsToMeshedEndpointsVerifiesTheServiceAccounts() throws Exception {
        DefaultXdsResourceProvider provider = provider("");

        Cluster cluster = named(provider.resources(sidecar("client"), TypeUrls.CLUSTER, Set.of()), CLUSTER,
                Cluster.class);
        assertThat(cluster.getTransportSocketMatchesList()).extracting(Cluster.TransportSocketMatch::getName)
                .containsExactly("tlsMode-istio", "tlsMode-disabled");
        Cluster.TransportSocketMatch istio = cluster.getTransportSocketMatches(0);
        assertThat(istio.getMatch().getFieldsMap().get("tlsMode").getStringValue()).isEqualTo("istio");
        UpstreamTlsContext tls = istio.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(tls.getSni()).isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");
        assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio");
        assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");
        assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getValidationContextSdsSecretConfig()
                .getName()).isEqualTo("ROOTCA");
        assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
                .getMatchSubjectAltNamesList()).extracting(StringMatcher::getExact).containsExactly(
                "spiffe://cluster.local/ns/default/sa/bookinfo-reviews",
                "spiffe://cluster.local/ns/default/sa/default");

        ClusterLoadAssignment endpoints = named(provider.resources(sidecar("client"), TypeUrls.ENDPOINT, Set.of()),
                CLUSTER, ClusterLoadAssignment.class);
        assertThat(endpoints.getEndpoints(0).getLbEndpointsList()).allSatisfy(endpoint -> {
            boolean meshed = endpoint.getEndpoint().getAddress().getSocketAddress().getAddress().equals("127.0.0.11");
            assertThat(endpoint.getMetadata().getFilterMetadataMap().containsKey("envoy.transport_socket_match"))
                    .isEqualTo(meshed);
        });
    }

    @Test
    void identitiesAreInTheControlPlanesTrustDomain() throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider("example.org");
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));

        UpstreamTlsContext tls = named(provider.resources(sidecar("client"), TypeUrls.CLUSTER, Set.of()), CLUSTER,
                Cluster.class).getTransportSocketMatches(0).getTransportSocket().getTypedConfig()
                .unpack(UpstreamTlsContext.class);

        assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
                .getMatchSubjectAltNamesList()).extracting(StringMatcher::getExact).containsExactly(
                "spiffe://example.org/ns/default/sa/bookinfo-reviews", "spiffe://example.org/ns/default/sa/default");
    }

    @Test
    void proxylessClientsGetNoTransportSockets() throws Exception {
        ProxyView proxyless = new ProxyView("grpc", ProxyView.Kind.PROXYLESS, null, "default", Map.of());

        Cluster cluster = named(provider("").resources(proxyless, TypeUrls.CLUSTER, Set.of()), CLUSTER,
                Cluster.class);

        assertThat(cluster.getTransportSocketMatchesList()).isEmpty();
        assertThat(cluster.hasTransportSocket()).isFalse();
    }

    @Test
    void destinationRuleTlsModes() throws Exception {
        DefaultXdsResourceProvider provider = provider("""
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: default}
                spec:
                  host: reviews.default.svc.cluster.local
                  trafficPolicy:
                    tls: {mode: DISABLE}
                  subsets:
                  - name: files
                    labels: {app: reviews}
                    trafficPolicy:
                      tls:
                        mode: MUTUAL
                        clientCertificate: /certs/cert.pem
                        privateKey: /certs/key.pem
                        caCertificates: /certs/ca.pem
                        subjectAltNames: [reviews.example.com]
                        sni: reviews.example.com
                  - name: mesh
                    labels: {app: reviews}
                    trafficPolicy:
                      tls: {mode: ISTIO_MUTUAL}
                """);
        Collection<XdsResource> clusters = provider.resources(sidecar("client"), TypeUrls.CLUSTER, Set.of());

        Cluster disabled = named(clusters, CLUSTER, Cluster.class);
        assertThat(disabled.hasTransportSocket()).isFalse();
        assertThat(disabled.getTransportSocketMatchesList()).isEmpty();

        UpstreamTlsContext files = named(clusters, "outbound|9080|files|reviews.default.svc.cluster.local",
                Cluster.class).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(files.getSni()).isEqualTo("reviews.example.com");
        assertThat(files.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
                .isEqualTo("file-cert:/certs/cert.pem~/certs/key.pem");
        assertThat(files.getCommonTlsContext().getCombinedValidationContext().getValidationContextSdsSecretConfig()
                .getName()).isEqualTo("file-root:/certs/ca.pem");

        UpstreamTlsContext istio = named(clusters, "outbound|9080|mesh|reviews.default.svc.cluster.local",
                Cluster.class).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(istio.getSni()).isEqualTo("outbound_.9080_.mesh_.reviews.default.svc.cluster.local");
    }

    @Test
    void strictInboundHasOnlyTheMutualTlsChainPermissiveAddsPlaintext() throws Exception {
        String strict = """
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec: {mtls: {mode: STRICT}}
                ---
                apiVersion: security.istio.io/v1beta1
                kind: PeerAuthentication
                metadata: {name: reviews-legacy, namespace: default}
                spec:
                  selector: {matchLabels: {app: reviews}}
                  portLevelMtls: {9080: {mode: PERMISSIVE}}
                """;
        ProxyView reviews = new ProxyView("sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "reviews-v1", "default", Map.of());

        Listener mtlsOnly = named(provider(strict.substring(0, strict.indexOf("---", 5)))
                .resources(reviews, TypeUrls.LISTENER, Set.of()), "inbound|9080", Listener.class);
        assertThat(mtlsOnly.getFilterChainsList()).hasSize(1);
        FilterChain chain = mtlsOnly.getFilterChains(0);
        assertThat(chain.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
        DownstreamTlsContext tls = chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
        assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");

        Listener permissive = named(provider(strict).resources(reviews, TypeUrls.LISTENER, Set.of()),
                "inbound|9080", Listener.class);
        assertThat(permissive.getFilterChainsList()).extracting(c -> c.getFilterChainMatch().getTransportProtocol())
                .containsExactly("tls", "raw_buffer");
    }
}
