package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.model.WeightedCluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ListenerTranslatorTest {
    private final ListenerTranslator translator = new ListenerTranslator(new RouteTranslator());

    static Address address(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
                .build();
    }

    static HttpFilter router() {
        return HttpFilter.newBuilder().setName(ListenerTranslator.ROUTER)
                .setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
    }

    static HttpConnectionManager.Builder rdsHcm(String routeConfigName) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix("outbound_0.0.0.0_" + routeConfigName)
                .setRds(Rds.newBuilder()
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()))
                        .setRouteConfigName(routeConfigName))
                .addHttpFilters(router());
    }

    static Filter hcmFilter(HttpConnectionManager.Builder hcm) {
        return Filter.newBuilder().setName(ListenerTranslator.HTTP_CONNECTION_MANAGER)
                .setTypedConfig(Any.pack(hcm.build())).build();
    }

    static Filter tcpFilter(TcpProxy.Builder tcp) {
        return Filter.newBuilder().setName(ListenerTranslator.TCP_PROXY).setTypedConfig(Any.pack(tcp.build())).build();
    }

    static FilterChain.Builder portChain(String name, int port, Filter filter) {
        return FilterChain.newBuilder().setName(name)
                .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)))
                .addFilters(filter);
    }

    static Listener.Builder virtualOutbound(FilterChain.Builder... chains) {
        Listener.Builder listener = Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(address("127.0.0.10", 15001))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .setUseOriginalDst(BoolValue.of(true));
        for (FilterChain.Builder chain : chains) {
            listener.addFilterChains(chain);
        }
        return listener;
    }

    @Test
    void outboundListenerWithHttpAndTcpChains() throws Exception {
        Listener listener = virtualOutbound(
                portChain("9080", 9080, hcmFilter(rdsHcm("9080"))),
                portChain("outbound|3306||mysql.default.svc.cluster.local", 3306,
                        tcpFilter(TcpProxy.newBuilder().setStatPrefix("mysql")
                                .setCluster("outbound|3306||mysql.default.svc.cluster.local"))))
                .build();

        ListenerSpec spec = translator.translate(listener);

        assertThat(spec).isEqualTo(new ListenerSpec("virtualOutbound", new InetSocketAddress("127.0.0.10", 15001),
                Direction.OUTBOUND, true, List.of(
                new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080")),
                new FilterChainSpec("outbound|3306||mysql.default.svc.cluster.local", 3306,
                        TcpProxySpec.of("outbound|3306||mysql.default.svc.cluster.local")))));
    }

    @Test
    void inboundListenerWithInlineRoutes() throws Exception {
        RouteConfiguration inline = RouteConfiguration.newBuilder().setName("inbound|8080")
                .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder()
                        .setName("inbound|http|9080").addDomains("*")
                        .addRoutes(RouteTranslatorTest.prefixRoute("/", "inbound|9080||")))
                .build();
        Listener listener = Listener.newBuilder()
                .setName("inbound|8080")
                .setAddress(address("127.0.0.10", 8080))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addFilterChains(FilterChain.newBuilder().addFilters(hcmFilter(HttpConnectionManager.newBuilder()
                        .setStatPrefix("inbound_8080")
                        .setRouteConfig(inline)
                        .addHttpFilters(router()))))
                .build();

        ListenerSpec spec = translator.translate(listener);

        assertThat(spec).isEqualTo(new ListenerSpec("inbound|8080", new InetSocketAddress("127.0.0.10", 8080),
                Direction.INBOUND, false, List.of(new FilterChainSpec("", 0, HttpConnectionManagerSpec.inline(
                new RouteTable("inbound|8080", List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                        List.of(new dev.skiff.proxy.model.Route("", RouteMatch.prefix("/"),
                                RouteAction.cluster("inbound|9080||")))))))))));
    }

    @Test
    void weightedTcpProxyServerNamesAndDefaultChain() throws Exception {
        Listener listener = virtualOutbound(
                FilterChain.newBuilder().setName("tls")
                        .setFilterChainMatch(FilterChainMatch.newBuilder()
                                .setDestinationPort(UInt32Value.of(443))
                                .addServerNames("api.example.com"))
                        .addFilters(tcpFilter(TcpProxy.newBuilder().setStatPrefix("tls")
                                .setWeightedClusters(TcpProxy.WeightedCluster.newBuilder()
                                        .addClusters(tcpWeight("outbound|443|v1|api", 75))
                                        .addClusters(tcpWeight("outbound|443|v2|api", 25))))))
                .setDefaultFilterChain(FilterChain.newBuilder().setName("PassthroughFilterChain")
                        .addFilters(tcpFilter(TcpProxy.newBuilder().setStatPrefix("passthrough")
                                .setCluster("PassthroughCluster"))))
                .build();

        ListenerSpec spec = translator.translate(listener);

        assertThat(spec.chains()).containsExactly(
                new FilterChainSpec("tls", 443, Set.of("api.example.com"), new TcpProxySpec(List.of(
                        new WeightedCluster("outbound|443|v1|api", 75),
                        new WeightedCluster("outbound|443|v2|api", 25)))),
                new FilterChainSpec("PassthroughFilterChain", 0, TcpProxySpec.of("PassthroughCluster")));
    }

    @Test
    void rejectsUnsupportedNetworkFilter() {
        Listener listener = virtualOutbound(portChain("9080", 9080, Filter.newBuilder()
                .setName("envoy.filters.network.foo").setTypedConfig(Any.pack(Empty.getDefaultInstance())).build()))
                .build();

        assertRejected(listener, "listener virtualOutbound: filter chain 9080: filter envoy.filters.network.foo:"
                + " unsupported (expected: http_connection_manager or tcp_proxy; got typed_config"
                + " type.googleapis.com/google.protobuf.Empty)");
    }

    @Test
    void acceptsTheFaultFilterBeforeTheRouterAndRejectsOtherFilters() throws TranslationException {
        HttpFilter fault = HttpFilter.newBuilder().setName("envoy.filters.http.fault")
                .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())).build();
        translator.translate(virtualOutbound(portChain("9080", 9080,
                hcmFilter(rdsHcm("9080").clearHttpFilters().addHttpFilters(fault).addHttpFilters(router()))))
                .build());

        HttpFilter listenerLevelFault = fault.toBuilder().setTypedConfig(Any.pack(HTTPFault.newBuilder()
                .setUpstreamCluster("x").build())).build();
        assertRejected(virtualOutbound(portChain("9080", 9080, hcmFilter(rdsHcm("9080").clearHttpFilters()
                        .addHttpFilters(listenerLevelFault).addHttpFilters(router())))).build(),
                "listener virtualOutbound: filter chain 9080: filter " + ListenerTranslator.HTTP_CONNECTION_MANAGER
                        + ": http filter envoy.filters.http.fault: listener-level fault configuration unsupported"
                        + " (expected: an empty HTTPFault, with the faults in the routes' typed_per_filter_config)");
        HttpFilter other = HttpFilter.newBuilder().setName("envoy.filters.http.other")
                .setTypedConfig(Any.pack(com.google.protobuf.Empty.getDefaultInstance())).build();
        Listener listener = virtualOutbound(portChain("9080", 9080,
                hcmFilter(rdsHcm("9080").clearHttpFilters().addHttpFilters(other).addHttpFilters(router()))))
                .build();

        assertRejected(listener, "listener virtualOutbound: filter chain 9080: filter "
                + ListenerTranslator.HTTP_CONNECTION_MANAGER + ": http filter envoy.filters.http.other: unsupported"
                + " (expected: envoy.filters.http.router, after any of [envoy.filters.http.cors,"
                + " envoy.filters.http.fault, envoy.filters.http.local_ratelimit]; got"
                + " type.googleapis.com/google.protobuf.Empty)");
        Listener withoutRouter = virtualOutbound(portChain("9080", 9080, hcmFilter(rdsHcm("9080").clearHttpFilters())))
                .build();
        assertRejected(withoutRouter, "listener virtualOutbound: filter chain 9080: filter "
                + ListenerTranslator.HTTP_CONNECTION_MANAGER + ": no http_filters (expected: envoy.filters.http.router"
                + " as the last filter)");
    }

    @Test
    void rejectsHcmSettingsNotImplemented() {
        Listener listener = virtualOutbound(portChain("9080", 9080,
                hcmFilter(rdsHcm("9080").setStreamIdleTimeout(Duration.newBuilder().setSeconds(5)))))
                .build();

        assertRejected(listener, "listener virtualOutbound: filter chain 9080: filter "
                + ListenerTranslator.HTTP_CONNECTION_MANAGER + ": stream_idle_timeout: unsupported (expected only:"
                + " access_log, codec_type, http_filters, rds, route_config, tracing)");
    }

    @Test
    void rejectsInvalidInlineRoutes() {
        RouteConfiguration inline = RouteConfiguration.newBuilder().setName("inbound|8080")
                .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder()
                        .setName("in").addDomains("*")
                        .addRoutes(io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/"))))
                .build();
        Listener listener = virtualOutbound(FilterChain.newBuilder().addFilters(hcmFilter(HttpConnectionManager
                .newBuilder().setRouteConfig(inline).addHttpFilters(router())))).build();

        assertRejected(listener, "listener virtualOutbound: filter chain #0: filter "
                + ListenerTranslator.HTTP_CONNECTION_MANAGER + ": route_config: route_configuration inbound|8080:"
                + " virtual_host in: route #0: action none unsupported (expected: route, redirect or direct_response)");
    }

    @Test
    void rejectsChainsServingTheSamePortAndMissingDirection() {
        Listener duplicate = virtualOutbound(
                portChain("a", 9080, hcmFilter(rdsHcm("9080"))),
                portChain("b", 9080, tcpFilter(TcpProxy.newBuilder().setCluster("x"))))
                .build();
        assertRejected(duplicate, "listener virtualOutbound: filter chain b: matches port 9080 like an earlier chain"
                + " (expected: each destination port and server name served by one chain)");

        Listener undirected = virtualOutbound(portChain("a", 9080, hcmFilter(rdsHcm("9080"))))
                .setTrafficDirection(TrafficDirection.UNSPECIFIED).build();
        assertRejected(undirected, "listener virtualOutbound: traffic_direction UNSPECIFIED"
                + " (expected: INBOUND or OUTBOUND)");
    }

    @Test
    void rejectsChainMatchesOnOtherProperties() {
        Listener listener = virtualOutbound(FilterChain.newBuilder().setName("a")
                .setFilterChainMatch(FilterChainMatch.newBuilder().addApplicationProtocols("istio"))
                .addFilters(tcpFilter(TcpProxy.newBuilder().setCluster("x"))))
                .build();

        assertRejected(listener, "listener virtualOutbound: filter chain a: filter_chain_match: application_protocols:"
                + " unsupported (expected only: destination_port, server_names, transport_protocol)");
    }

    @Test
    void rejectsApiListenersAndRdsOverOtherSources() {
        Listener api = Listener.newBuilder().setName("reviews:9080")
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(rdsHcm("reviews:9080").build())))
                .build();
        assertRejected(api, "listener reviews:9080: api_listener unsupported (expected: a listener with an address,"
                + " api listeners are for proxyless gRPC clients)");

        Listener pathSourced = virtualOutbound(portChain("9080", 9080, hcmFilter(rdsHcm("9080")
                .setRds(Rds.newBuilder().setRouteConfigName("9080")
                        .setConfigSource(ConfigSource.newBuilder().setPath("/etc/routes.yaml"))))))
                .build();
        assertRejected(pathSourced, "listener virtualOutbound: filter chain 9080: filter "
                + ListenerTranslator.HTTP_CONNECTION_MANAGER + ": rds.config_source: config source path unsupported"
                + " (expected: ads)");
    }

    @Test
    void rejectsTcpProxyWithoutDestinationAndBadAddress() {
        assertRejected(virtualOutbound(portChain("a", 1, tcpFilter(TcpProxy.newBuilder().setStatPrefix("x"))))
                        .build(),
                "listener virtualOutbound: filter chain a: filter " + ListenerTranslator.TCP_PROXY
                        + ": no destination (expected: cluster or weighted_clusters)");
        assertRejected(virtualOutbound(portChain("a", 1, tcpFilter(TcpProxy.newBuilder().setCluster("x"))))
                        .setAddress(address("localhost", 15001)).build(),
                "listener virtualOutbound: address: address 'localhost' (expected: an IPv4 or IPv6 literal)");
    }

    private static TcpProxy.WeightedCluster.ClusterWeight.Builder tcpWeight(String name, int weight) {
        return TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName(name).setWeight(weight);
    }

    private void assertRejected(Listener listener, String reason) {
        assertThatThrownBy(() -> translator.translate(listener))
                .isInstanceOf(TranslationException.class)
                .hasMessage(reason);
    }
}
