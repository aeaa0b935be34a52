package dev.skiff.controlplane.model;

import java.util.Map;

/** Label selector matching. */
public final class Labels {
    private Labels() {
    }

    /** Whether every entry of {@code selector} is present in {@code labels}; an empty selector matches anything. */
    public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> entry : selector.entrySet()) {
            if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
