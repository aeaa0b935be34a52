package dev.skiff.controlplane.xds;

import java.util.List;

/** Envoy v3 type URLs of the resources Skiff serves, in make-before-break push order. */
public final class TypeUrls {
    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    /** CDS, EDS, LDS, RDS: a proxy learns a cluster before a route can point at it. */
    public static final List<String> PUSH_ORDER = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private TypeUrls() {
    }
}
