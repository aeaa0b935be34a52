package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.TypeUrls;
import java.util.HashSet;
import java.util.Set;

/**
 * What a client subscribed to for one type: the wildcard ("everything the server decides this proxy needs", only for
 * listeners and clusters) and/or explicit names.
 */
record Subscription(boolean wildcard, Set<String> names) {
    static final String WILDCARD = "*";
    static final Subscription NONE = new Subscription(false, Set.of());

    Subscription {
        names = Set.copyOf(names);
    }

    boolean isEmpty() {
        return !wildcard && names.isEmpty();
    }

    /** Whether this subscription asks for something that {@code covered} did not. */
    boolean exceeds(Subscription covered) {
        if (covered == this) {
            return false;
        }
        return (wildcard && !covered.wildcard) || !covered.names.containsAll(names);
    }

    /** What of {@code this} is still asked for by {@code next}. */
    Subscription retainedBy(Subscription next) {
        if (names.isEmpty() || next.names.containsAll(names)) {
            return new Subscription(wildcard && next.wildcard, names);
        }
        Set<String> kept = new HashSet<>(names);
        kept.retainAll(next.names);
        return new Subscription(wildcard && next.wildcard, kept);
    }

    static boolean allowsWildcard(String typeUrl) {
        return TypeUrls.CLUSTER.equals(typeUrl) || TypeUrls.LISTENER.equals(typeUrl);
    }
}
