package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.UpstreamProtocol;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http3ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterTranslatorTest {
    private static final String OUTBOUND = "outbound|9080||reviews.default.svc.cluster.local";
    private final ClusterTranslator translator = new ClusterTranslator(new EndpointTranslator());

    static Cluster.Builder edsCluster(String name) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()))
                        .setServiceName(name))
                .setConnectTimeout(Duration.newBuilder().setSeconds(2))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    }

    private static Any http2Options() {
        return Any.pack(HttpProtocolOptions.newBuilder()
                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                        .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                .build());
    }

    @Test
    void edsClusterBecomesSpecWithServiceName() throws Exception {
        TranslatedCluster cluster = translator.translate(edsCluster(OUTBOUND).build());

        assertThat(cluster.spec()).isEqualTo(new ClusterSpec(OUTBOUND, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1,
                java.time.Duration.ofSeconds(2), false));
        assertThat(cluster.edsServiceName()).isEqualTo(OUTBOUND);
        assertThat(cluster.staticEndpoints()).isNull();
    }

    @Test
    void edsServiceNameDefaultsToClusterNameAndTimeoutToFiveSeconds() throws Exception {
        Cluster proto = edsCluster("a").clearConnectTimeout()
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
                .build();

        TranslatedCluster cluster = translator.translate(proto);

        assertThat(cluster.edsServiceName()).isEqualTo("a");
        assertThat(cluster.spec().connectTimeout()).isEqualTo(ClusterSpec.DEFAULT_CONNECT_TIMEOUT);
    }

    @Test
    void leastRequestAndExplicitHttp2() throws Exception {
        Cluster proto = edsCluster(OUTBOUND)
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY, http2Options())
                .build();

        ClusterSpec spec = translator.translate(proto).spec();

        assertThat(spec.lbPolicy()).isEqualTo(LbPolicy.LEAST_REQUEST);
        assertThat(spec.protocol()).isEqualTo(UpstreamProtocol.HTTP2);
    }

    @Test
    void useDownstreamProtocol() throws Exception {
        Cluster proto = edsCluster(OUTBOUND)
                .putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY,
                        Any.pack(HttpProtocolOptions.newBuilder()
                                .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
                                        .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                                .build()))
                .build();

        assertThat(translator.translate(proto).spec().protocol()).isEqualTo(UpstreamProtocol.USE_DOWNSTREAM);
    }

    @Test
    void staticClusterCarriesItsEndpoints() throws Exception {
        Cluster proto = Cluster.newBuilder()
                .setName("inbound|9080||")
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Duration.newBuilder().setNanos(250_000_000))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName("inbound|9080||")
                        .addEndpoints(LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(LbEndpoint.newBuilder()
                                        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress
                                                        .newBuilder().setAddress("127.0.0.1").setPortValue(8080)))))))
                .build();

        TranslatedCluster cluster = translator.translate(proto);

        assertThat(cluster.spec()).isEqualTo(new ClusterSpec("inbound|9080||", LbPolicy.ROUND_ROBIN,
                UpstreamProtocol.HTTP1, java.time.Duration.ofMillis(250), true));
        assertThat(cluster.edsServiceName()).isNull();
        assertThat(cluster.staticEndpoints()).isEqualTo(new EndpointSet("inbound|9080||",
                List.of(new Endpoint(new InetSocketAddress("127.0.0.1", 8080)))));
    }

    @Test
    void rejectsUnsupportedLbPolicy() {
        assertRejected(edsCluster(OUTBOUND).setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build(),
                "cluster " + OUTBOUND + ": lb_policy CLUSTER_PROVIDED unsupported (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");
        assertRejected(edsCluster(OUTBOUND).setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                        .setMaglevLbConfig(Cluster.MaglevLbConfig.getDefaultInstance()).build(),
                "cluster " + OUTBOUND + ": maglev_lb_config with lb_policy ROUND_ROBIN unsupported (expected:"
                        + " ring_hash_lb_config with RING_HASH, maglev_lb_config with MAGLEV, round_robin_lb_config"
                        + " with ROUND_ROBIN, least_request_lb_config with LEAST_REQUEST, nothing else)");
    }

    @Test
    void rejectsUnsupportedDiscoveryType() {
        assertRejected(edsCluster(OUTBOUND).setType(Cluster.DiscoveryType.STRICT_DNS).build(),
                "cluster " + OUTBOUND + ": type STRICT_DNS unsupported (expected: EDS or STATIC)");
    }

    @Test
    void rejectsNonPositiveConnectTimeout() {
        assertRejected(edsCluster(OUTBOUND).setConnectTimeout(Duration.getDefaultInstance()).build(),
                "cluster " + OUTBOUND + ": connect_timeout 0s (expected: > 0)");
    }

    @Test
    void rejectsEdsConfigOtherThanAds() {
        Cluster proto = edsCluster("a").setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(ConfigSource.newBuilder().setApiConfigSource(ApiConfigSource.getDefaultInstance())))
                .build();

        assertRejected(proto, "cluster a: eds_cluster_config.eds_config: config source api_config_source unsupported"
                + " (expected: ads)");
    }

    @Test
    void rejectsFieldsThatWouldChangeBehaviour() {
        assertThatThrownBy(() -> translator.translate(edsCluster("a").setRespectDnsTtl(true).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith("cluster a: respect_dns_ttl: unsupported (expected only: circuit_breakers,");
    }

    @Test
    void rejectsUnknownProtocolOptionsAndHttp3() {
        assertRejected(edsCluster("a").putTypedExtensionProtocolOptions("envoy.extensions.upstreams.tcp.v3.Foo",
                        http2Options()).build(),
                "cluster a: typed_extension_protocol_options[\"envoy.extensions.upstreams.tcp.v3.Foo\"] unsupported"
                        + " (expected: only " + ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY + ")");
        assertRejected(edsCluster("a").putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY,
                        Any.pack(HttpProtocolOptions.newBuilder()
                                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                        .setHttp3ProtocolOptions(Http3ProtocolOptions.getDefaultInstance()))
                                .build())).build(),
                "cluster a: typed_extension_protocol_options[\"" + ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY
                        + "\"]: explicit_http_config: http3_protocol_options unsupported (expected:"
                        + " http_protocol_options or http2_protocol_options)");
    }

    @Test
    void rejectsProtocolOptionsOfTheWrongType() {
        assertRejected(edsCluster("a").putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY,
                        Any.pack(Http2ProtocolOptions.getDefaultInstance())).build(),
                "cluster a: typed_extension_protocol_options[\"" + ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY
                        + "\"]: typed_config of type type.googleapis.com/envoy.config.core.v3.Http2ProtocolOptions"
                        + " (expected: type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions)");
    }

    @Test
    void rejectsStaticClusterWithoutEndpoints() {
        assertRejected(Cluster.newBuilder().setName("s").setType(Cluster.DiscoveryType.STATIC).build(),
                "cluster s: STATIC cluster without load_assignment (expected: the cluster's endpoints in"
                        + " load_assignment)");
    }

    @Test
    void rejectsStaticClusterWithBadEndpointAddress() {
        Cluster proto = Cluster.newBuilder().setName("s").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("s")
                        .addEndpoints(LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(LbEndpoint.newBuilder()
                                        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress
                                                        .newBuilder().setAddress("backend.local").setPortValue(80)))))))
                .build();

        assertRejected(proto, "cluster s: load_assignment: cluster_load_assignment s: locality '': endpoint:"
                + " address 'backend.local' (expected: an IPv4 or IPv6 literal)");
    }

    @Test
    void rejectsEmptyName() {
        assertRejected(edsCluster("").build(), "cluster: name is empty (expected: a cluster name)");
    }

    private void assertRejected(Cluster cluster, String reason) {
        assertThatThrownBy(() -> translator.translate(cluster))
                .isInstanceOf(TranslationException.class)
                .hasMessage(reason);
    }
}
