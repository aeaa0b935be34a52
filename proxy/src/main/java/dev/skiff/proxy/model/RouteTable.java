package dev.skiff.proxy.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A route configuration: virtual hosts looked up by the request authority as Envoy does. Exact domains win, then
 * the longest suffix wildcard ({@code *.example.com}, {@code *-bar.example.com}), then the longest prefix wildcard
 * ({@code example.*}), then {@code *}. A wildcard matches at least one character. Matching ignores case and uses the
 * whole authority, port included (Istio lists domains with and without the port).
 *
 * <p>Immutable; behaves as a record with components {@code name} and {@code virtualHosts}.
 */
public final class RouteTable {

    private final String name;
    private final List<VirtualHost> virtualHosts;
    private final Map<String, VirtualHost> exact;
    private final String[] suffixes;
    private final VirtualHost[] suffixHosts;
    private final String[] prefixes;
    private final VirtualHost[] prefixHosts;
    private final VirtualHost defaultHost;

    public RouteTable(String name, List<VirtualHost> virtualHosts) {
        this.name = Validation.notNull(name, "route table name");
        this.virtualHosts = List.copyOf(Validation.notNull(virtualHosts, "virtual hosts of route table " + name));
        Map<String, VirtualHost> exactDomains = new HashMap<>();
        List<Map.Entry<String, VirtualHost>> suffixDomains = new ArrayList<>();
        List<Map.Entry<String, VirtualHost>> prefixDomains = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        VirtualHost wildcard = null;
        for (VirtualHost host : this.virtualHosts) {
            for (String rawDomain : host.domains()) {
                String domain = rawDomain.toLowerCase(Locale.ROOT);
                String previous = seen.putIfAbsent(domain, host.name());
                if (previous != null) {
                    throw new IllegalArgumentException("route table " + name + ": domain '" + rawDomain
                            + "' of virtual host " + host.name() + " is already used by virtual host " + previous
                            + " (expected: each domain in one virtual host only)");
                }
                if (domain.equals("*")) {
                    wildcard = host;
                } else if (domain.startsWith("*")) {
                    suffixDomains.add(Map.entry(domain.substring(1), host));
                } else if (domain.endsWith("*")) {
                    prefixDomains.add(Map.entry(domain.substring(0, domain.length() - 1), host));
                } else {
                    exactDomains.put(domain, host);
                }
            }
        }
        Comparator<Map.Entry<String, VirtualHost>> longestFirst =
                Comparator.comparingInt((Map.Entry<String, VirtualHost> e) -> e.getKey().length()).reversed();
        suffixDomains.sort(longestFirst);
        prefixDomains.sort(longestFirst);
        this.exact = Map.copyOf(exactDomains);
        this.suffixes = suffixDomains.stream().map(Map.Entry::getKey).toArray(String[]::new);
        this.suffixHosts = suffixDomains.stream().map(Map.Entry::getValue).toArray(VirtualHost[]::new);
        this.prefixes = prefixDomains.stream().map(Map.Entry::getKey).toArray(String[]::new);
        this.prefixHosts = prefixDomains.stream().map(Map.Entry::getValue).toArray(VirtualHost[]::new);
        this.defaultHost = wildcard;
    }

    public String name() {
        return name;
    }

    public List<VirtualHost> virtualHosts() {
        return virtualHosts;
    }

    /**
     * The virtual host serving the given authority ({@code host} or {@code host:port}), or null when none does.
     */
    public VirtualHost findVirtualHost(String authority) {
        if (authority == null || authority.isEmpty()) {
            return defaultHost;
        }
        String host = lowerCase(authority);
        VirtualHost found = exact.get(host);
        if (found != null) {
            return found;
        }
        int length = host.length();
        for (int i = 0; i < suffixes.length; i++) {
            String suffix = suffixes[i];
            if (length > suffix.length() && host.regionMatches(length - suffix.length(), suffix, 0, suffix.length())) {
                return suffixHosts[i];
            }
        }
        for (int i = 0; i < prefixes.length; i++) {
            String prefix = prefixes[i];
            if (length > prefix.length() && host.startsWith(prefix)) {
                return prefixHosts[i];
            }
        }
        return defaultHost;
    }

    private static String lowerCase(String value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 0x7f) {
                return value.toLowerCase(Locale.ROOT);
            }
        }
        return value;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RouteTable that && name.equals(that.name) && virtualHosts.equals(that.virtualHosts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, virtualHosts);
    }

    @Override
    public String toString() {
        return "RouteTable[name=" + name + ", virtualHosts=" + virtualHosts + "]";
    }
}
