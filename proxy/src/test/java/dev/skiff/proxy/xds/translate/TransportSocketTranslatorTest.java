package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTransport;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransportSocketTranslatorTest {

    private static final String REVIEWS = "spiffe://cluster.local/ns/default/sa/reviews";

    private static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSource.newBuilder()
                .setApiConfigSource(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
                        .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(
                                GrpcService.EnvoyGrpc.newBuilder().setClusterName("sds-grpc"))))).build();
    }

    private static CommonTlsContext.Builder istioMutual(List<String> alpn, List<String> sans) {
        CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
        sans.forEach(san -> validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san)));
        return CommonTlsContext.newBuilder()
                .addAllAlpnProtocols(alpn)
                .addTlsCertificateSdsSecretConfigs(sds("default"))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(validation)
                        .setValidationContextSdsSecretConfig(sds("ROOTCA")));
    }

    private static TransportSocket tls(com.google.protobuf.Message context) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(context)).build();
    }

    @Test
    void autoMtlsClusterUsesIstioMutualForMeshedEndpointsAndPlaintextForOthers() throws Exception {
        Cluster cluster = Cluster.newBuilder().setName("outbound|9080||reviews.default.svc.cluster.local")
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
                        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio")
                                .build()))
                        .setTransportSocket(tls(UpstreamTlsContext.newBuilder()
                                .setCommonTlsContext(istioMutual(List.of("istio-peer-exchange", "istio"),
                                        List.of(REVIEWS)))
                                .setSni("outbound_.9080_._.reviews.default.svc.cluster.local").build())))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")))
                .build();

        UpstreamTransport transport = TransportSocketTranslator.upstream(cluster, "cluster c");

        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 9080);
        UpstreamTlsSpec meshed = transport.tlsFor(new Endpoint(address, 1, "", Map.of("tlsMode", "istio")));
        assertThat(meshed).isEqualTo(new UpstreamTlsSpec("outbound_.9080_._.reviews.default.svc.cluster.local",
                List.of("istio-peer-exchange", "istio"), "default", "ROOTCA", List.of(REVIEWS), false));
        assertThat(transport.tlsFor(new Endpoint(address))).isNull();
    }

    @Test
    void endpointMetadataOfTheTransportSocketMatch() throws Exception {
        Metadata metadata = Metadata.newBuilder().putFilterMetadata("envoy.transport_socket_match",
                Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()).build())
                .build();

        assertThat(TransportSocketTranslator.endpointMatchMetadata(metadata, "e")).containsExactly(
                Map.entry("tlsMode", "istio"));
    }

    @Test
    void inboundMutualTlsChain() throws Exception {
        DownstreamTlsSpec spec = TransportSocketTranslator.downstream(tls(DownstreamTlsContext.newBuilder()
                .setCommonTlsContext(istioMutual(List.of("h2", "http/1.1"), List.of()))
                .setRequireClientCertificate(BoolValue.of(true)).build()), "chain");

        assertThat(spec).isEqualTo(new DownstreamTlsSpec("default", "ROOTCA", true, List.of("h2", "http/1.1"),
                List.of()));
    }

    @Test
    void rejectsInlineCertificates() {
        TransportSocket socket = tls(DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext
                .newBuilder().addTlsCertificates(TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString("pem")))).build());

        assertThatThrownBy(() -> TransportSocketTranslator.downstream(socket, "chain"))
                .isInstanceOf(TranslationException.class)
                .hasMessage("chain: common_tls_context: tls_certificates: unsupported (expected only: alpn_protocols,"
                        + " combined_validation_context, tls_certificate_sds_secret_configs,"
                        + " validation_context_sds_secret_config)");
    }

    @Test
    void rejectsClientCertificatesWithoutRoots() {
        TransportSocket socket = tls(DownstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificateSdsSecretConfigs(sds("default")))
                .setRequireClientCertificate(BoolValue.of(true)).build());

        assertThatThrownBy(() -> TransportSocketTranslator.downstream(socket, "chain"))
                .hasMessage("chain: require_client_certificate true without a validation context (expected:"
                        + " validation_context_sds_secret_config naming the trusted roots)");
    }

    @Test
    void rejectsPrefixSanMatchers() {
        Cluster cluster = Cluster.newBuilder().setName("c").setTransportSocket(tls(UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder().setCombinedValidationContext(
                        CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                        .addMatchSubjectAltNames(StringMatcher.newBuilder().setPrefix("spiffe://")))
                                .setValidationContextSdsSecretConfig(sds("ROOTCA")))).build())).build();

        assertThatThrownBy(() -> TransportSocketTranslator.upstream(cluster, "cluster c"))
                .hasMessage("cluster c: transport_socket: common_tls_context: combined_validation_context:"
                        + " default_validation_context: match_subject_alt_names[0]: prefix unsupported"
                        + " (expected: exact, case-sensitive)");
    }
}
