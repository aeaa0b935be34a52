package dev.skiff.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;

import java.util.List;

/** Envoy resources shaped as the control plane sends them, for the xDS client and assembler tests. */
final class XdsFixtures {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    static final String INBOUND = "inbound|9080||";

    private XdsFixtures() {
    }

    static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
    }

    static Address address(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
                .build();
    }

    static Cluster edsCluster(String name) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()).setServiceName(name))
                .setConnectTimeout(Duration.newBuilder().setSeconds(1))
                .build();
    }

    static Cluster staticCluster(String name, int port) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(assignment(name, "127.0.0.1", port))
                .build();
    }

    static ClusterLoadAssignment assignment(String name, String ip, int port) {
        return ClusterLoadAssignment.newBuilder()
                .setClusterName(name)
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(address(ip, port)))))
                .build();
    }

    static Listener virtualOutbound(String ip, String routeConfigName, int port) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("outbound_" + port)
                .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(routeConfigName))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(address(ip, 15001))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .setUseOriginalDst(BoolValue.of(true))
                .addFilterChains(FilterChain.newBuilder()
                        .setName(Integer.toString(port))
                        .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)))
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm))))
                .build();
    }

    static Listener inboundTcp(String ip, int port, String cluster) {
        return Listener.newBuilder()
                .setName("inbound|" + port)
                .setAddress(address(ip, port))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix("inbound")
                                        .setCluster(cluster).build()))))
                .build();
    }

    static RouteConfiguration routes(String name, String cluster) {
        return RouteConfiguration.newBuilder()
                .setName(name)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("reviews.default.svc.cluster.local:9080")
                        .addDomains("reviews.default.svc.cluster.local")
                        .addDomains("reviews.default.svc.cluster.local:9080")
                        .addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster))))
                .build();
    }

    static List<Any> pack(Message... messages) {
        return java.util.Arrays.stream(messages).map(Any::pack).toList();
    }

    static DiscoveryResponse response(String typeUrl, String version, String nonce, Message... resources) {
        return DiscoveryResponse.newBuilder()
                .setTypeUrl(typeUrl)
                .setVersionInfo(version)
                .setNonce(nonce)
                .addAllResources(pack(resources))
                .build();
    }
}
