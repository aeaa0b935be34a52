package dev.skiff.controlplane.xds.server;

import com.google.protobuf.Message;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.XdsResourceProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A provider whose resources tests set directly: the same resources for every proxy, swapped atomically.
 * Named subscriptions get only the names that exist.
 */
public final class InMemoryResourceProvider implements XdsResourceProvider {
    private final AtomicReference<Map<String, Map<String, XdsResource>>> byType = new AtomicReference<>(Map.of());
    private final AtomicLong snapshot = new AtomicLong();

    /** Adds or replaces resources (by type and name). */
    public InMemoryResourceProvider put(Message... messages) {
        byType.updateAndGet(current -> {
            Map<String, Map<String, XdsResource>> next = copy(current);
            for (Message message : messages) {
                XdsResource resource = TestResources.resource(message);
                next.computeIfAbsent(TestResources.typeUrlOf(message), t -> new LinkedHashMap<>())
                        .put(resource.name(), resource);
            }
            return next;
        });
        snapshot.incrementAndGet();
        return this;
    }

    public InMemoryResourceProvider remove(String typeUrl, String... names) {
        byType.updateAndGet(current -> {
            Map<String, Map<String, XdsResource>> next = copy(current);
            Map<String, XdsResource> ofType = next.get(typeUrl);
            if (ofType != null) {
                for (String name : names) {
                    ofType.remove(name);
                }
            }
            return next;
        });
        snapshot.incrementAndGet();
        return this;
    }

    public XdsResource get(String typeUrl, String name) {
        return byType.get().getOrDefault(typeUrl, Map.of()).get(name);
    }

    @Override
    public Collection<XdsResource> resources(ProxyView proxy, String typeUrl, Set<String> subscribed) {
        Map<String, XdsResource> ofType = byType.get().getOrDefault(typeUrl, Map.of());
        if (subscribed.isEmpty()) {
            return List.copyOf(ofType.values());
        }
        List<XdsResource> named = new ArrayList<>();
        for (XdsResource resource : ofType.values()) {
            if (subscribed.contains(resource.name())) {
                named.add(resource);
            }
        }
        return named;
    }

    @Override
    public String snapshotVersion() {
        return Long.toString(snapshot.get());
    }

    private static Map<String, Map<String, XdsResource>> copy(Map<String, Map<String, XdsResource>> current) {
        Map<String, Map<String, XdsResource>> next = new HashMap<>();
        current.forEach((type, resources) -> next.put(type, new LinkedHashMap<>(resources)));
        return next;
    }
}
