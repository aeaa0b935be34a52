package dev.skiff.controlplane.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every currently valid configuration object, immutable. A source publishes a new snapshot (with a higher version)
 * whenever any object was added, changed or removed; objects that did not change are the same instances as in the
 * previous snapshot.
 */
public final class ConfigSnapshot {
    /** No objects, version 0. */
    public static final ConfigSnapshot EMPTY = new ConfigSnapshot(0, List.of());

    private final long version;
    private final SortedMap<ConfigKey, ConfigObject> objects;
    private final Map<ConfigKind, List<ConfigObject>> byKind;

    /**
     * @param version a counter that grows with every published snapshot of one source
     * @param objects the objects; keys must be unique
     */
    public ConfigSnapshot(long version, Collection<ConfigObject> objects) {
        this.version = version;
        TreeMap<ConfigKey, ConfigObject> sorted = new TreeMap<>();
        for (ConfigObject object : objects) {
            ConfigObject previous = sorted.put(object.key(), object);
            if (previous != null) {
                throw new IllegalArgumentException(object.key() + " appears twice (in " + previous.source()
                        + " and " + object.source() + ")");
            }
        }
        this.objects = Collections.unmodifiableSortedMap(sorted);
        EnumMap<ConfigKind, List<ConfigObject>> kinds = new EnumMap<>(ConfigKind.class);
        for (ConfigKind kind : ConfigKind.values()) {
            kinds.put(kind, new ArrayList<>());
        }
        for (ConfigObject object : sorted.values()) {
            kinds.get(object.key().kind()).add(object);
        }
        kinds.replaceAll((kind, list) -> List.copyOf(list));
        this.byKind = Collections.unmodifiableMap(kinds);
    }

    public long version() {
        return version;
    }

    /** All objects, sorted by key. */
    public SortedMap<ConfigKey, ConfigObject> objects() {
        return objects;
    }

    public Optional<ConfigObject> get(ConfigKey key) {
        return Optional.ofNullable(objects.get(key));
    }

    /** The objects of one kind, sorted by namespace then name. */
    public List<ConfigObject> ofKind(ConfigKind kind) {
        return byKind.get(kind);
    }

    public int size() {
        return objects.size();
    }

    /** Keys that were added, removed or whose object changed between {@code previous} and this snapshot. */
    public SortedSet<ConfigKey> changedSince(ConfigSnapshot previous) {
        TreeSet<ConfigKey> changed = new TreeSet<>();
        for (Map.Entry<ConfigKey, ConfigObject> entry : objects.entrySet()) {
            if (!entry.getValue().equals(previous.objects.get(entry.getKey()))) {
                changed.add(entry.getKey());
            }
        }
        for (ConfigKey key : previous.objects.keySet()) {
            if (!objects.containsKey(key)) {
                changed.add(key);
            }
        }
        return Collections.unmodifiableSortedSet(changed);
    }

    @Override
    public String toString() {
        return "ConfigSnapshot{version=" + version + ", objects=" + objects.keySet() + "}";
    }
}
