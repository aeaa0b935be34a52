package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.UpstreamClusters;
import dev.skiff.proxy.upstream.UpstreamHost;
import dev.skiff.proxy.upstream.WeightedClusterPicker;

import java.util.random.RandomGenerator;

/**
 * Routes a request: virtual host by authority, first matching route, a cluster picked by weight, then an endpoint
 * from the cluster's balancer of this event loop. One instance per event loop.
 */
public final class RouterFilter {

    static final RouteDecision.LocalReply NO_ROUTE = new RouteDecision.LocalReply(404, ResponseFlag.NO_ROUTE_FOUND, "");
    static final RouteDecision.LocalReply NO_CLUSTER =
            new RouteDecision.LocalReply(503, ResponseFlag.NO_CLUSTER_FOUND, "");
    static final RouteDecision.LocalReply NO_HEALTHY_UPSTREAM =
            new RouteDecision.LocalReply(503, ResponseFlag.NO_HEALTHY_UPSTREAM, "no healthy upstream");

    private final RandomGenerator random;
    private final int eventLoopIndex;
    private final RequestHasher hasher = new RequestHasher();

    /**
     * @param random         the source of randomness of this event loop
     * @param eventLoopIndex which balancer slot of each cluster this router uses
     */
    public RouterFilter(RandomGenerator random, int eventLoopIndex) {
        this.random = random;
        this.eventLoopIndex = eventLoopIndex;
    }

    public RandomGenerator random() {
        return random;
    }

    /**
     * @param table     the route table the request captured, or null when the listener's route table is missing
     * @param authority the request authority ({@code host[:port]})
     * @param request   the request headers
     * @param clusters  the clusters of the snapshot the connection captured
     * @param context   receives the virtual host, route, cluster and upstream host names and the response flag
     */
    public RouteDecision route(RouteTable table, String authority, RequestHeadersView request,
                               UpstreamClusters clusters, RequestContext context) {
        if (table == null) {
            return NO_ROUTE;
        }
        VirtualHost virtualHost = table.findVirtualHost(authority);
        if (virtualHost == null) {
            return NO_ROUTE;
        }
        context.virtualHost(virtualHost.name());
        Route route = virtualHost.findRoute(request);
        if (route == null) {
            return NO_ROUTE;
        }
        context.routeName(route.name());
        if (route.localResponse() != null) {
            return new RouteDecision.Respond(route, route.localResponse());
        }
        RouteAction action = route.action();
        WeightedCluster picked = WeightedClusterPicker.pick(action.clusters(), action.totalWeight(), random);
        RouteDecision decision = !action.hashPolicies().isEmpty() && hasher.compute(action.hashPolicies(), request,
                context) ? forward(route, picked.cluster(), clusters, context, true, hasher.hash())
                : pickHost(route, picked.cluster(), clusters, context);
        if (picked.mutatesHeaders() && decision instanceof RouteDecision.Forward forward) {
            return new RouteDecision.Forward(route, forward.cluster(), forward.host(), picked);
        }
        return decision;
    }

    /** Picks an endpoint of the cluster from this event loop's balancer (for a retry), null when none is healthy. */
    public UpstreamHost pick(ClusterRuntime cluster) {
        return cluster.balancer(eventLoopIndex).pick(random);
    }

    /** Picks an endpoint of the named cluster, as for a route's destination. */
    public RouteDecision pickHost(Route route, String clusterName, UpstreamClusters clusters,
                                  RequestContext context) {
        return forward(route, clusterName, clusters, context, false, 0);
    }

    /** Picks an endpoint, by the request's hash when {@code hashed} (consistent-hash balancers use it). */
    private RouteDecision forward(Route route, String clusterName, UpstreamClusters clusters, RequestContext context,
                                  boolean hashed, long hash) {
        context.cluster(clusterName);
        ClusterRuntime cluster = clusters.get(clusterName);
        if (cluster == null) {
            return NO_CLUSTER;
        }
        UpstreamHost host = hashed ? cluster.balancer(eventLoopIndex).pick(hash, random)
                : cluster.balancer(eventLoopIndex).pick(random);
        if (host == null) {
            return NO_HEALTHY_UPSTREAM;
        }
        context.upstreamHost(host.address());
        return new RouteDecision.Forward(route, cluster, host);
    }
}
