package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.LocalResponseSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.UpstreamHost;

/** The router's answer for one request: forward it, or answer it locally. */
public sealed interface RouteDecision {

    /**
     * Send the request to {@code host} of {@code cluster}.
     *
     * @param destination the picked destination of the route when it changes headers, else null
     */
    record Forward(Route route, ClusterRuntime cluster, UpstreamHost host, WeightedCluster destination)
            implements RouteDecision {

        public Forward(Route route, ClusterRuntime cluster, UpstreamHost host) {
            this(route, cluster, host, null);
        }
    }

    /** Answer with {@code status} and {@code body}; {@code flag} explains why. */
    record LocalReply(int status, ResponseFlag flag, String body) implements RouteDecision {
    }

    /** The matched route is answered by the proxy itself (a redirect or a direct response). */
    record Respond(Route route, LocalResponseSpec response) implements RouteDecision {
    }
}
