package dev.skiff.controlplane.xds.locality;

import dev.skiff.controlplane.model.Locality;
import java.util.Map;
import java.util.TreeMap;

/**
 * What of a client the endpoints it receives depend on: its locality and its values of the labels that
 * DestinationRules' {@code failoverPriority} lists name (the topology labels included). Clients with equal placements
 * receive identical endpoints.
 *
 * @param locality       the client's locality, {@link Locality#NONE} when it has none
 * @param priorityLabels the client's values of the {@code failoverPriority} labels that apply, by name
 */
public record ClientPlacement(Locality locality, Map<String, String> priorityLabels) {
    /** A client without locality or labels. */
    public static final ClientPlacement NONE = new ClientPlacement(Locality.NONE, Map.of());

    public ClientPlacement {
        priorityLabels = Map.copyOf(priorityLabels);
    }

    /** The placement of a client in {@code locality} with {@code labels}, keeping the labels named in {@code names}. */
    public static ClientPlacement of(Locality locality, Map<String, String> labels, Iterable<String> names) {
        return new ClientPlacement(locality, TopologyLabels.with(labels, locality)).keeping(names);
    }

    /** This placement with only the labels named in {@code names}. */
    public ClientPlacement keeping(Iterable<String> names) {
        Map<String, String> kept = new TreeMap<>();
        for (String name : names) {
            String value = priorityLabels.get(name);
            if (value != null) {
                kept.put(name, value);
            }
        }
        return new ClientPlacement(locality, kept);
    }
}
