package dev.skiff.bench.xds;

import java.util.List;

/** The xDS v3 type URLs a sidecar asks for over ADS. */
final class XdsTypes {
    static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    static final List<String> ALL = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private XdsTypes() {
    }

    static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            default -> typeUrl;
        };
    }
}
