package dev.skiff.proxy.xds;

import java.util.List;

/** Envoy v3 type URLs of the resources the proxy subscribes to, in the order it sends its first requests. */
public final class XdsTypeUrls {
    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    /** CDS and LDS are wildcard subscriptions; EDS and RDS are subscribed by name. */
    public static final List<String> ALL = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private XdsTypeUrls() {
    }

    /** Whether the type is subscribed with a wildcard (CDS, LDS) rather than by resource name (EDS, RDS). */
    public static boolean isWildcard(String typeUrl) {
        return CLUSTER.equals(typeUrl) || LISTENER.equals(typeUrl);
    }

    /** A short name for logs: CDS, EDS, LDS, RDS, or the type URL itself. */
    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            default -> typeUrl;
        };
    }
}
