package dev.skiff.controlplane.config;

import java.util.Comparator;
import java.util.Objects;

/**
 * Identifies one configuration object: its kind, namespace and name. Sorted by kind, then namespace, then name.
 * {@link #toString()} gives {@code VirtualService default/reviews}.
 */
public record ConfigKey(ConfigKind kind, String namespace, String name) implements Comparable<ConfigKey> {
    private static final Comparator<ConfigKey> ORDER = Comparator.comparing(ConfigKey::kind)
            .thenComparing(ConfigKey::namespace)
            .thenComparing(ConfigKey::name);

    public ConfigKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public int compareTo(ConfigKey other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return kind.kindName() + " " + namespace + "/" + name;
    }
}
