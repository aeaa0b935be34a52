package dev.skiff.controlplane.model;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The namespaces that may see a configuration object, from its {@code exportTo} list: empty or {@code *} means
 * every namespace, {@code .} the object's own namespace, {@code ~} none, anything else a namespace name.
 *
 * @param all        visible everywhere
 * @param namespaces the namespaces it is visible to when not {@code all}
 */
public record ExportTo(boolean all, Set<String> namespaces) {
    /** Visible to every namespace. */
    public static final ExportTo EVERYWHERE = new ExportTo(true, Set.of());

    public ExportTo {
        namespaces = Set.copyOf(namespaces);
    }

    /** Parses an {@code exportTo} list written in an object of {@code ownNamespace}. */
    public static ExportTo parse(List<String> exportTo, String ownNamespace) {
        if (exportTo.isEmpty() || exportTo.contains("*")) {
            return EVERYWHERE;
        }
        return new ExportTo(false, exportTo.stream()
                .filter(entry -> !entry.equals("~"))
                .map(entry -> entry.equals(".") ? ownNamespace : entry)
                .collect(Collectors.toUnmodifiableSet()));
    }

    public boolean isVisibleTo(String namespace) {
        return all || namespaces.contains(namespace);
    }
}
