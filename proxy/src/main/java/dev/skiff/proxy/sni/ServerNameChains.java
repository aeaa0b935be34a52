package dev.skiff.proxy.sni;

import dev.skiff.proxy.model.FilterChainSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The filter chains of one destination port, picked by server name then transport protocol as Envoy picks them:
 * the chains naming the exact server name, else those naming the longest matching {@code *.suffix} wildcard, else
 * those naming no server name; among those, the first naming the connection's transport protocol, else the first
 * naming none. Like Envoy, it does not fall back to a less specific server name when the transport protocol does
 * not fit.
 */
public final class ServerNameChains {

    private final Map<String, List<FilterChainSpec>> exact;
    private final Map<String, List<FilterChainSpec>> wildcards;
    private final List<FilterChainSpec> unnamed;

    /** @param chains the chains of one port, in listener order */
    public ServerNameChains(List<FilterChainSpec> chains) {
        Map<String, List<FilterChainSpec>> exactNames = new HashMap<>();
        Map<String, List<FilterChainSpec>> suffixes = new HashMap<>();
        List<FilterChainSpec> none = new ArrayList<>();
        for (FilterChainSpec chain : chains) {
            if (chain.serverNames().isEmpty()) {
                none.add(chain);
            }
            for (String name : chain.serverNames()) {
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.startsWith("*.")) {
                    suffixes.computeIfAbsent(lower.substring(1), key -> new ArrayList<>()).add(chain);
                } else {
                    exactNames.computeIfAbsent(lower, key -> new ArrayList<>()).add(chain);
                }
            }
        }
        this.exact = freeze(exactNames);
        this.wildcards = freeze(suffixes);
        this.unnamed = List.copyOf(none);
    }

    /** Whether any of the chains names server names (the port needs the ClientHello to pick a chain). */
    public boolean namesServers() {
        return !exact.isEmpty() || !wildcards.isEmpty();
    }

    /**
     * The chain for a connection with {@code serverName} (lower case, empty for none) over
     * {@code transportProtocol}, or null when none fits.
     */
    public FilterChainSpec pick(String transportProtocol, String serverName) {
        List<FilterChainSpec> named = serverName.isEmpty() ? null : exact.get(serverName);
        for (int dot = serverName.indexOf('.'); named == null && dot >= 0; dot = serverName.indexOf('.', dot + 1)) {
            named = wildcards.get(serverName.substring(dot));
        }
        return forTransport(named != null ? named : unnamed, transportProtocol);
    }

    /**
     * The first of {@code chains} naming {@code transportProtocol}, else the first naming none, else null.
     */
    public static FilterChainSpec forTransport(List<FilterChainSpec> chains, String transportProtocol) {
        FilterChainSpec any = null;
        for (int i = 0, n = chains.size(); i < n; i++) {
            FilterChainSpec chain = chains.get(i);
            if (chain.transportProtocol().equals(transportProtocol)) {
                return chain;
            }
            if (any == null && chain.transportProtocol().isEmpty()) {
                any = chain;
            }
        }
        return any;
    }

    private static Map<String, List<FilterChainSpec>> freeze(Map<String, List<FilterChainSpec>> map) {
        Map<String, List<FilterChainSpec>> frozen = new HashMap<>();
        map.forEach((key, list) -> frozen.put(key, List.copyOf(list)));
        return Map.copyOf(frozen);
    }
}
