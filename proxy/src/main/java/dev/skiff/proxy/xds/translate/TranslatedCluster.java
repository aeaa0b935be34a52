package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.EndpointSet;

import java.util.Objects;

/**
 * A translated cluster and where its endpoints come from.
 *
 * @param spec             the runtime cluster
 * @param edsServiceName   the EDS resource name to subscribe to, or null for a STATIC cluster
 * @param staticEndpoints  the endpoints a STATIC cluster carries, or null for an EDS cluster
 */
public record TranslatedCluster(ClusterSpec spec, String edsServiceName, EndpointSet staticEndpoints) {
    public TranslatedCluster {
        Objects.requireNonNull(spec, "spec");
        if ((edsServiceName == null) == (staticEndpoints == null)) {
            throw new IllegalArgumentException("cluster " + spec.name()
                    + ": expected exactly one of an EDS service name or static endpoints");
        }
    }

    public String name() {
        return spec.name();
    }
}
