package dev.skiff.bench.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

import java.util.Optional;
import java.util.Set;

/**
 * The names a sidecar subscribes to because of what it received: the EDS service name of each EDS cluster and
 * the RDS route configuration of each HTTP connection manager, as Envoy follows them.
 */
final class ResourceRefs {
    private static final String HCM_TYPE =
            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

    private ResourceRefs() {
    }

    /** The EDS name of a serialized cluster, or empty when it is not an EDS cluster. */
    static Optional<String> edsName(ByteString clusterBytes) {
        Cluster cluster = parse(clusterBytes, Cluster.parser(), "Cluster");
        if (cluster.getType() != Cluster.DiscoveryType.EDS) {
            return Optional.empty();
        }
        String serviceName = cluster.getEdsClusterConfig().getServiceName();
        return Optional.of(serviceName.isEmpty() ? cluster.getName() : serviceName);
    }

    /** Adds the RDS route configuration names a serialized listener's HTTP connection managers use. */
    static void addRdsNames(ByteString listenerBytes, Set<String> into) {
        Listener listener = parse(listenerBytes, Listener.parser(), "Listener");
        for (FilterChain chain : listener.getFilterChainsList()) {
            addRdsNames(chain, into);
        }
        if (listener.hasDefaultFilterChain()) {
            addRdsNames(listener.getDefaultFilterChain(), into);
        }
    }

    private static void addRdsNames(FilterChain chain, Set<String> into) {
        for (Filter filter : chain.getFiltersList()) {
            Any config = filter.getTypedConfig();
            if (!HCM_TYPE.equals(config.getTypeUrl())) {
                continue;
            }
            HttpConnectionManager hcm = parse(config.getValue(), HttpConnectionManager.parser(), "HttpConnectionManager");
            if (hcm.hasRds()) {
                into.add(hcm.getRds().getRouteConfigName());
            }
        }
    }

    private static <T> T parse(ByteString bytes, com.google.protobuf.Parser<T> parser, String what) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the control plane sent a " + what + " that does not parse: " + e.getMessage(), e);
        }
    }
}
