package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.VirtualHost;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds snapshots shaped like the control plane's output (Istio names) for data plane tests. */
final class TestMesh {

    static final String REVIEWS = "reviews.default.svc.cluster.local";
    static final String REVIEWS_CLUSTER = "outbound|9080||" + REVIEWS;
    static final String ECHO = "echo.default.svc.cluster.local";
    static final String ECHO_CLUSTER = "outbound|7000||" + ECHO;
    static final String OUTBOUND = "virtualOutbound";

    private final List<ListenerSpec> listeners = new ArrayList<>();
    private final Map<String, RouteTable> routes = new HashMap<>();
    private final Map<String, ClusterSpec> clusters = new HashMap<>();
    private final Map<String, EndpointSet> endpoints = new HashMap<>();

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    static ClusterSpec cluster(String name, boolean isStatic) {
        return new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1, Duration.ofSeconds(2), isStatic);
    }

    /** The outbound listener with an HTTP chain for 9080 (RDS "9080") and a TCP chain for the echo service. */
    TestMesh outbound() {
        listeners.add(new ListenerSpec(OUTBOUND, loopback(0), Direction.OUTBOUND, true, List.of(
                new FilterChainSpec("0.0.0.0_9080", 9080, HttpConnectionManagerSpec.rds("9080")),
                new FilterChainSpec(ECHO_CLUSTER, 7000, TcpProxySpec.of(ECHO_CLUSTER)))));
        routes.put("9080", new RouteTable("9080", List.of(new VirtualHost(REVIEWS + ":9080",
                List.of(REVIEWS, REVIEWS + ":9080", "reviews", "reviews:9080"),
                List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(REVIEWS_CLUSTER)))))));
        clusters.put(REVIEWS_CLUSTER, cluster(REVIEWS_CLUSTER, false));
        clusters.put(ECHO_CLUSTER, cluster(ECHO_CLUSTER, false));
        return this;
    }

    /** An inbound HTTP listener named {@code inbound|<port>} routing everything to the app at {@code app}. */
    TestMesh inbound(String name, InetSocketAddress bind, InetSocketAddress app) {
        String cluster = "inbound|9080||" + name;
        RouteTable table = new RouteTable(name, List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(cluster))))));
        listeners.add(new ListenerSpec(name, bind, Direction.INBOUND, false, List.of(
                new FilterChainSpec("inbound", 0, HttpConnectionManagerSpec.inline(table)))));
        clusters.put(cluster, cluster(cluster, true));
        endpoints.put(cluster, new EndpointSet(cluster, List.of(new Endpoint(app))));
        return this;
    }

    TestMesh listener(ListenerSpec spec) {
        listeners.add(spec);
        return this;
    }

    TestMesh routeTable(RouteTable table) {
        routes.put(table.name(), table);
        return this;
    }

    TestMesh cluster(ClusterSpec spec) {
        clusters.put(spec.name(), spec);
        return this;
    }

    TestMesh endpoints(String cluster, InetSocketAddress... addresses) {
        List<Endpoint> list = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            list.add(new Endpoint(address));
        }
        endpoints.put(cluster, new EndpointSet(cluster, list));
        return this;
    }

    ProxyConfigSnapshot build(String version) {
        return new ProxyConfigSnapshot(version, listeners, routes, clusters, endpoints);
    }
}
