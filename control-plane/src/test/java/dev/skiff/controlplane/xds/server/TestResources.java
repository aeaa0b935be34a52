package dev.skiff.controlplane.xds.server;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Real Envoy resources for xDS server tests, shaped like the ones Skiff's generators emit. */
public final class TestResources {
    private static final ConfigSource ADS = ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .build();

    private TestResources() {
    }

    public static Cluster cluster(String name) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .build();
    }

    public static ClusterLoadAssignment endpoints(String clusterName, String host, int... ports) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (int port : ports) {
            locality.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(
                    Address.newBuilder().setSocketAddress(
                            SocketAddress.newBuilder().setAddress(host).setPortValue(port)))));
        }
        locality.setLoadBalancingWeight(UInt32Value.of(Math.max(1, ports.length)));
        return ClusterLoadAssignment.newBuilder().setClusterName(clusterName).addEndpoints(locality).build();
    }

    /** A proxyless-style API listener whose HCM takes its routes from RDS. */
    public static Listener listener(String name, String routeConfigName) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(routeConfigName))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build();
    }

    public static RouteConfiguration route(String name, String domain, String cluster) {
        return RouteConfiguration.newBuilder()
                .setName(name)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName(domain)
                        .addDomains(domain)
                        .addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix(""))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster))))
                .build();
    }

    /** The resource as a generator would hand it over: packed once, versioned by a digest of its bytes. */
    public static XdsResource resource(Message message) {
        Any body = Any.pack(message);
        return new XdsResource(nameOf(message), body, digest(body.getValue().toByteArray()));
    }

    public static String typeUrlOf(Message message) {
        return switch (message) {
            case Cluster c -> TypeUrls.CLUSTER;
            case ClusterLoadAssignment c -> TypeUrls.ENDPOINT;
            case Listener l -> TypeUrls.LISTENER;
            case RouteConfiguration r -> TypeUrls.ROUTE;
            default -> throw new IllegalArgumentException("not an xDS resource Skiff serves: "
                    + message.getDescriptorForType().getFullName());
        };
    }

    static String nameOf(Message message) {
        return switch (message) {
            case Cluster c -> c.getName();
            case ClusterLoadAssignment c -> c.getClusterName();
            case Listener l -> l.getName();
            case RouteConfiguration r -> r.getName();
            default -> throw new IllegalArgumentException("not an xDS resource Skiff serves: "
                    + message.getDescriptorForType().getFullName());
        };
    }

    /** The resource name inside a packed resource. */
    public static String nameOf(Any body) {
        try {
            return switch (body.getTypeUrl()) {
                case TypeUrls.CLUSTER -> body.unpack(Cluster.class).getName();
                case TypeUrls.ENDPOINT -> body.unpack(ClusterLoadAssignment.class).getClusterName();
                case TypeUrls.LISTENER -> body.unpack(Listener.class).getName();
                case TypeUrls.ROUTE -> body.unpack(RouteConfiguration.class).getName();
                default -> throw new IllegalArgumentException("not an xDS resource Skiff serves: " + body.getTypeUrl());
            };
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("cannot unpack " + body.getTypeUrl(), e);
        }
    }

    private static String digest(byte[] bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
