package dev.skiff.controlplane.telemetryapi;

import dev.skiff.api.telemetry.v1alpha1.Telemetry;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Telemetry resources that apply to a workload, as Istio picks them: the mesh-wide one (root namespace, no
 * selector), its namespace's (no selector), and its namespace's first whose selector matches its labels. At each
 * level the first by name counts (Istio takes the oldest; a file source has no creation times), the others are
 * ignored.
 */
public final class TelemetrySelection {
    private TelemetrySelection() {
    }

    /** The workload's Telemetry specs from the least specific to the most specific (at most three). */
    public static List<Telemetry> forWorkload(Collection<ConfigObject> objects, String namespace,
                                              Map<String, String> labels) {
        if (objects.isEmpty()) {
            return List.of();
        }
        List<ConfigObject> sorted = new ArrayList<>(objects);
        sorted.sort(Comparator.comparing((ConfigObject object) -> object.key().name()));
        List<Telemetry> levels = new ArrayList<>(3);
        if (!namespace.equals(MeshSnapshot.ROOT_NAMESPACE)) {
            first(sorted, MeshSnapshot.ROOT_NAMESPACE, false, labels).ifPresent(levels::add);
        }
        first(sorted, namespace, false, labels).ifPresent(levels::add);
        first(sorted, namespace, true, labels).ifPresent(levels::add);
        return levels;
    }

    private static Optional<Telemetry> first(List<ConfigObject> sorted, String namespace, boolean withSelector,
                                             Map<String, String> labels) {
        for (ConfigObject object : sorted) {
            if (!object.key().namespace().equals(namespace)) {
                continue;
            }
            Telemetry spec = object.spec(Telemetry.class);
            Map<String, String> selector = spec.getSelector().getMatchLabelsMap();
            if (selector.isEmpty() != withSelector && (!withSelector || Labels.matches(selector, labels))) {
                return Optional.of(spec);
            }
        }
        return Optional.empty();
    }
}
