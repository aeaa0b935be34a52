package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import dev.skiff.api.metadataexchange.MetadataExchange;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;

import java.util.Set;

/**
 * Istio's TCP metadata exchange filter ({@code istio.metadata_exchange}, a
 * {@code envoy.tcp.metadataexchange.config.MetadataExchange}): on a cluster as its only upstream network filter, on
 * a listener's TCP proxy chain as the first network filter. The protocol must be {@code istio-peer-exchange}, the
 * ALPN value Istio's sidecars negotiate for it.
 */
final class MetadataExchangeTranslator {
    static final String FILTER = "istio.metadata_exchange";
    static final String PROTOCOL = "istio-peer-exchange";

    private static final Set<String> FILTER_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> CONFIG_FIELDS = Set.of("protocol");

    private MetadataExchangeTranslator() {
    }

    /** Whether a network filter is the metadata exchange (by its name or its configuration's type). */
    static boolean isExchange(Filter filter) {
        return filter.getName().equals(FILTER) || filter.getTypedConfig().is(MetadataExchange.class);
    }

    /** Checks a listener's metadata exchange filter. */
    static void checkListenerFilter(Filter filter, String where) throws TranslationException {
        Messages.requireOnly(filter, where, FILTER_FIELDS, Set.of());
        checkConfig(filter.hasTypedConfig(), filter.getTypedConfig(), where);
    }

    /**
     * A cluster's {@code filters}: none, or the metadata exchange alone.
     *
     * @return whether the cluster runs the metadata exchange
     */
    static boolean cluster(Cluster cluster, String where) throws TranslationException {
        if (cluster.getFiltersCount() == 0) {
            return false;
        }
        if (cluster.getFiltersCount() > 1) {
            throw new TranslationException(where + ": " + cluster.getFiltersCount() + " filters (expected: at most"
                    + " one, " + FILTER + ")");
        }
        io.envoyproxy.envoy.config.cluster.v3.Filter filter = cluster.getFilters(0);
        String at = where + ": filters[0]";
        Messages.requireOnly(filter, at, FILTER_FIELDS, Set.of());
        if (!filter.getName().equals(FILTER)) {
            throw new TranslationException(at + ": name '" + filter.getName() + "' unsupported (expected: " + FILTER
                    + ")");
        }
        checkConfig(filter.hasTypedConfig(), filter.getTypedConfig(), at);
        return true;
    }

    private static void checkConfig(boolean present, Any config, String where) throws TranslationException {
        if (!present) {
            throw new TranslationException(where + ": typed_config missing (expected: a"
                    + " envoy.tcp.metadataexchange.config.MetadataExchange with protocol " + PROTOCOL + ")");
        }
        MetadataExchange exchange = Messages.unpack(config, MetadataExchange.class, where + ": typed_config");
        Messages.requireOnly(exchange, where + ": typed_config", CONFIG_FIELDS, Set.of());
        if (!exchange.getProtocol().equals(PROTOCOL)) {
            throw new TranslationException(where + ": typed_config.protocol '" + exchange.getProtocol()
                    + "' (expected: " + PROTOCOL + ")");
        }
    }
}
