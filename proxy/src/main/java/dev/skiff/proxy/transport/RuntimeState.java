package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.upstream.UpstreamClusters;

import java.util.HashMap;
import java.util.Map;

/**
 * Everything a connection needs from one snapshot, published as one value: the snapshot, its listeners with their
 * chain indexes, and its clusters with their hosts and balancers.
 */
public record RuntimeState(ProxyConfigSnapshot snapshot, Map<String, ListenerRuntime> listeners,
                           UpstreamClusters clusters) {

    public static RuntimeState empty() {
        return new RuntimeState(ProxyConfigSnapshot.empty(), Map.of(), UpstreamClusters.empty());
    }

    /** Builds the state of {@code snapshot}, reusing cluster state of {@code previous}. */
    public static RuntimeState build(ProxyConfigSnapshot snapshot, RuntimeState previous, int eventLoops) {
        Map<String, ListenerRuntime> listeners = new HashMap<>();
        for (ListenerSpec spec : snapshot.listeners()) {
            listeners.put(spec.name(), ListenerRuntime.of(spec));
        }
        return new RuntimeState(snapshot, Map.copyOf(listeners),
                UpstreamClusters.build(snapshot, previous.clusters(), eventLoops));
    }
}
