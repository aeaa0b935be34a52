package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Map;

/** Envoy building blocks shared by the generators. */
final class EnvoyProtos {
    /** The key under which a cluster carries its upstream HTTP protocol options. */
    static final String HTTP_PROTOCOL_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
    static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
    static final String ROUTER = "envoy.filters.http.router";

    private static final ConfigSource ADS = ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();

    private static final HttpFilter ROUTER_FILTER = HttpFilter.newBuilder()
            .setName(ROUTER)
            .setTypedConfig(Any.pack(Router.getDefaultInstance()))
            .build();

    /** Istio lists the fault filter (empty; faults are per route) before the router on every HCM. */
    private static final HttpFilter FAULT_FILTER = HttpFilter.newBuilder()
            .setName(RoutePolicies.FAULT)
            .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance()))
            .build();

    private static final Map<String, Any> HTTP2_OPTIONS = Map.of(HTTP_PROTOCOL_OPTIONS_KEY,
            Any.pack(HttpProtocolOptions.newBuilder()
                    .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                    .build()));

    private EnvoyProtos() {
    }

    /** Fetch over the aggregated stream, v3 resources. */
    static ConfigSource ads() {
        return ADS;
    }

    static HttpFilter routerFilter() {
        return ROUTER_FILTER;
    }

    /** {@code typed_extension_protocol_options} that make a cluster speak HTTP/2 to its endpoints. */
    static Map<String, Any> http2ProtocolOptions() {
        return HTTP2_OPTIONS;
    }

    static Address socketAddress(String host, int port) {
        return Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
                .build();
    }

    static Duration seconds(long seconds) {
        return Duration.newBuilder().setSeconds(seconds).build();
    }

    /** An HTTP connection manager that fetches route configuration {@code routeName} over ADS. */
    static HttpConnectionManager rdsConnectionManager(String statPrefix, String routeName) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(routeName))
                .addHttpFilters(FAULT_FILTER)
                .addHttpFilters(ROUTER_FILTER)
                .build();
    }

    /** An HTTP connection manager with an inline route configuration. */
    static HttpConnectionManager inlineConnectionManager(String statPrefix, RouteConfiguration routes) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setRouteConfig(routes)
                .addHttpFilters(FAULT_FILTER)
                .addHttpFilters(ROUTER_FILTER)
                .build();
    }
}
