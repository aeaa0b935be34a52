package dev.skiff.controlplane.model;

import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.Subset;

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

    /** The subset of that name, if declared. */
    public java.util.Optional<Subset> subset(String subsetName) {
        for (Subset subset : spec.getSubsetsList()) {
            if (subset.getName().equals(subsetName)) {
                return java.util.Optional.of(subset);
            }
        }
        return java.util.Optional.empty();
    }
}
