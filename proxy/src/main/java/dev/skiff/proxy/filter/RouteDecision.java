package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.UpstreamHost;

/** The router's answer for one request: forward it, or answer it locally. */
public sealed interface RouteDecision {

    /** Send the request to {@code host} of {@code cluster}. */
    record Forward(Route route, ClusterRuntime cluster, UpstreamHost host) implements RouteDecision {
    }

    /** Answer with {@code status} and {@code body}; {@code flag} explains why. */
    record LocalReply(int status, ResponseFlag flag, String body) implements RouteDecision {
    }
}
