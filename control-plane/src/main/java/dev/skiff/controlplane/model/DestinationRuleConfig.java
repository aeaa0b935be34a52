package dev.skiff.controlplane.model;

import dev.skiff.api.networking.v1alpha3.DestinationRule;

/**
 * A DestinationRule with its host resolved.
 *
 * @param namespace its namespace
 * @param name      its name
 * @param host      its {@code host}, fully qualified relative to its namespace (may be a wildcard)
 * @param exportTo  the namespaces that may see it
 * @param spec      the spec as written
 */
public record DestinationRuleConfig(String namespace, String name, String host, ExportTo exportTo,
                                    DestinationRule spec) {
    public static DestinationRuleConfig of(String namespace, String name, DestinationRule spec) {
        return new DestinationRuleConfig(namespace, name, Hostnames.resolve(spec.getHost(), namespace),
                ExportTo.parse(spec.getExportToList(), namespace), spec);
    }
}
