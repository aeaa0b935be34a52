package dev.skiff.proxy.xds.translate;

import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.hcmFilter;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.portChain;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.rdsHcm;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.tcpFilter;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import dev.skiff.api.metadataexchange.MetadataExchange;
import dev.skiff.proxy.model.TcpProxySpec;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.Test;

/** Istio's istio.metadata_exchange filter on clusters and TCP chains; anything else about it is rejected. */
class MetadataExchangeTranslatorTest {
    private static final Any PEER_EXCHANGE = Any.pack(MetadataExchange.newBuilder()
            .setProtocol("istio-peer-exchange").build());

    private final ClusterTranslator clusters = new ClusterTranslator(new EndpointTranslator());
    private final ListenerTranslator listeners = new ListenerTranslator(new RouteTranslator());

    private static Cluster.Builder withFilter(String name, Any config) {
        return ClusterTranslatorTest.edsCluster("outbound|5432||db.default.svc.cluster.local")
                .addFilters(io.envoyproxy.envoy.config.cluster.v3.Filter.newBuilder().setName(name)
                        .setTypedConfig(config));
    }

    private static Filter exchange(Any config) {
        return Filter.newBuilder().setName("istio.metadata_exchange").setTypedConfig(config).build();
    }

    @Test
    void aClusterWithTheExchangeFilterExchangesMetadata() throws Exception {
        assertThat(clusters.translate(withFilter("istio.metadata_exchange", PEER_EXCHANGE).build()).spec()
                .transport().metadataExchange()).isTrue();
        assertThat(clusters.translate(ClusterTranslatorTest.edsCluster("plain").build()).spec().transport()
                .metadataExchange()).isFalse();
    }

    @Test
    void otherClusterFiltersAndProtocolsAreRejected() {
        assertThatThrownBy(() -> clusters.translate(withFilter("envoy.filters.network.other", PEER_EXCHANGE)
                .build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("filters[0]: name 'envoy.filters.network.other' unsupported (expected:"
                        + " istio.metadata_exchange)");
        assertThatThrownBy(() -> clusters.translate(withFilter("istio.metadata_exchange", Any.pack(MetadataExchange
                .newBuilder().setProtocol("h2").build())).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("typed_config.protocol 'h2' (expected: istio-peer-exchange)");
        assertThatThrownBy(() -> clusters.translate(withFilter("istio.metadata_exchange",
                Any.pack(Struct.getDefaultInstance())).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("cluster outbound|5432||db.default.svc.cluster.local: filters[0]");
    }

    @Test
    void theExchangeFilterFirstInATcpChainIsKeptOnTheTcpProxy() throws Exception {
        TcpProxySpec tcp = (TcpProxySpec) listeners.translate(virtualOutbound(portChain("5432", 5432,
                exchange(PEER_EXCHANGE)).addFilters(tcpFilter(TcpProxy.newBuilder().setStatPrefix("inbound|5432||")
                .setCluster("inbound|5432||")))).build()).chains().getFirst().action();

        assertThat(tcp.metadataExchange()).isTrue();
        assertThat(tcp.clusters()).singleElement().extracting(c -> c.cluster()).isEqualTo("inbound|5432||");
    }

    @Test
    void theExchangeFilterBeforeAnHcmOrWithAnotherProtocolRejectsTheListener() {
        assertThatThrownBy(() -> listeners.translate(virtualOutbound(portChain("9080", 9080,
                exchange(PEER_EXCHANGE)).addFilters(hcmFilter(rdsHcm("9080")))).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("network filter istio.metadata_exchange before an HTTP connection manager");
        assertThatThrownBy(() -> listeners.translate(virtualOutbound(portChain("5432", 5432,
                exchange(Any.pack(MetadataExchange.newBuilder().setProtocol("istio").build())))
                .addFilters(tcpFilter(TcpProxy.newBuilder().setStatPrefix("x").setCluster("x")))).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("filter istio.metadata_exchange: typed_config.protocol 'istio' (expected:"
                        + " istio-peer-exchange)");
    }
}
