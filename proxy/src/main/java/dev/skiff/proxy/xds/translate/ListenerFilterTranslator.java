package dev.skiff.proxy.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;

import java.util.List;
import java.util.Set;

/**
 * A listener's {@code listener_filters}: only Envoy's TLS inspector, which the proxy runs on every connection whose
 * port has chains matching {@code server_names} (as Envoy adds it itself to such listeners), so accepting it changes
 * nothing else. JA3 fingerprinting is not implemented and is refused; the initial read buffer size only tunes reads.
 */
final class ListenerFilterTranslator {
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

    private static final Set<String> FILTER_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> INSPECTOR_IGNORED = Set.of("initial_read_buffer_size");

    private ListenerFilterTranslator() {
    }

    static void translate(List<ListenerFilter> filters, String listenerWhere) throws TranslationException {
        for (int i = 0; i < filters.size(); i++) {
            ListenerFilter filter = filters.get(i);
            String where = listenerWhere + ": listener filter " + (filter.getName().isEmpty() ? "#" + i
                    : filter.getName());
            Messages.requireOnly(filter, where, FILTER_FIELDS, Set.of());
            if (!filter.hasTypedConfig() || !filter.getTypedConfig().is(TlsInspector.class)) {
                throw new TranslationException(where + ": unsupported (expected: " + TLS_INSPECTOR
                        + " with a typed " + TlsInspector.getDescriptor().getFullName() + " config; got "
                        + (filter.hasTypedConfig() ? filter.getTypedConfig().getTypeUrl() : "no typed_config") + ")");
            }
            Messages.requireOnly(Messages.unpack(filter.getTypedConfig(), TlsInspector.class, where), where,
                    Set.of(), INSPECTOR_IGNORED);
        }
    }
}
