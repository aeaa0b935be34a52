package dev.skiff.controlplane.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Objects indexed by the host patterns they declare, so a lookup visits only the objects naming that exact host and
 * those with wildcard patterns, in the objects' original order.
 */
final class HostIndex<T> {
    private record Entry<T>(int order, T value) {
    }

    private final Map<String, List<Entry<T>>> exact = new HashMap<>();
    private final List<Entry<T>> wildcards = new ArrayList<>();

    HostIndex(List<T> items, Function<T, List<String>> patterns) {
        for (int i = 0; i < items.size(); i++) {
            Entry<T> entry = new Entry<>(i, items.get(i));
            boolean wildcard = false;
            for (String pattern : patterns.apply(entry.value())) {
                if (pattern.startsWith("*")) {
                    wildcard = true;
                } else {
                    List<Entry<T>> named = exact.computeIfAbsent(pattern.toLowerCase(Locale.ROOT),
                            key -> new ArrayList<>());
                    if (named.isEmpty() || named.getLast() != entry) {
                        named.add(entry);
                    }
                }
            }
            if (wildcard) {
                wildcards.add(entry);
            }
        }
    }

    /** The objects that may match {@code host}, in their original order; callers still check the patterns. */
    List<T> candidates(String host) {
        List<Entry<T>> named = exact.getOrDefault(host.toLowerCase(Locale.ROOT), List.of());
        if (wildcards.isEmpty()) {
            return named.stream().map(Entry::value).toList();
        }
        List<Entry<T>> merged = new ArrayList<>(named.size() + wildcards.size());
        merged.addAll(named);
        for (Entry<T> entry : wildcards) {
            if (!named.contains(entry)) {
                merged.add(entry);
            }
        }
        merged.sort(Comparator.comparingInt(Entry::order));
        return merged.stream().map(Entry::value).toList();
    }
}
