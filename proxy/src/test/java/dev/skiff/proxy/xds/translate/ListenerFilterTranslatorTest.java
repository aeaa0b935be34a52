package dev.skiff.proxy.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Empty;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SNI chains on the outbound listener and its TLS inspector. */
class ListenerFilterTranslatorTest {
    private final ListenerTranslator translator = new ListenerTranslator(new RouteTranslator());

    private static FilterChain.Builder sniChain(String serverName, String cluster) {
        return FilterChain.newBuilder().setName("sni|443|" + serverName)
                .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(443))
                        .addServerNames(serverName).setTransportProtocol("tls"))
                .addFilters(ListenerTranslatorTest.tcpFilter(TcpProxy.newBuilder().setStatPrefix(cluster)
                        .setCluster(cluster)));
    }

    private static Listener listener(TlsInspector inspector) {
        return ListenerTranslatorTest.virtualOutbound(sniChain("a.example.com", "outbound|9443||a"),
                        sniChain("*.example.com", "outbound|9443||b"))
                .addListenerFilters(ListenerFilter.newBuilder().setName(ListenerFilterTranslator.TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(inspector)))
                .build();
    }

    @Test
    void translatesSniChainsAndAcceptsTheTlsInspector() throws Exception {
        assertThat(translator.translate(listener(TlsInspector.getDefaultInstance())).chains()).containsExactly(
                new FilterChainSpec("sni|443|a.example.com", 443, Set.of("a.example.com"),
                        TcpProxySpec.of("outbound|9443||a"), "tls", null),
                new FilterChainSpec("sni|443|*.example.com", 443, Set.of("*.example.com"),
                        TcpProxySpec.of("outbound|9443||b"), "tls", null));
        assertThat(translator.translate(listener(TlsInspector.newBuilder()
                .setInitialReadBufferSize(UInt32Value.of(1024)).build())).chains()).hasSize(2);
    }

    @Test
    void refusesJa3Fingerprinting() {
        assertThatThrownBy(() -> translator.translate(listener(TlsInspector.newBuilder()
                .setEnableJa3Fingerprinting(BoolValue.of(true)).build())))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("listener virtualOutbound: listener filter envoy.filters.listener.tls_inspector")
                .hasMessageContaining("enable_ja3_fingerprinting");
    }

    @Test
    void refusesOtherListenerFilters() {
        Listener listener = ListenerTranslatorTest.virtualOutbound(sniChain("a.example.com", "outbound|9443||a"))
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.http_inspector")
                        .setTypedConfig(Any.pack(Empty.getDefaultInstance())))
                .build();

        assertThatThrownBy(() -> translator.translate(listener))
                .isInstanceOf(TranslationException.class)
                .hasMessage("listener virtualOutbound: listener filter envoy.filters.listener.http_inspector:"
                        + " unsupported (expected: envoy.filters.listener.tls_inspector with a typed"
                        + " envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector config; got"
                        + " type.googleapis.com/google.protobuf.Empty)");
    }

    @Test
    void refusesDisabledListenerFilters() {
        Listener listener = listener(TlsInspector.getDefaultInstance()).toBuilder()
                .setListenerFilters(0, ListenerFilter.newBuilder().setName(ListenerFilterTranslator.TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance()))
                        .setFilterDisabled(io.envoyproxy.envoy.config.listener.v3.ListenerFilterChainMatchPredicate
                                .newBuilder().setAnyMatch(true)))
                .build();

        assertThatThrownBy(() -> translator.translate(listener))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("filter_disabled");
    }
}
