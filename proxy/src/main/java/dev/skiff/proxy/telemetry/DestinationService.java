package dev.skiff.proxy.telemetry;

import java.util.Locale;

/**
 * The {@code destination_service*} labels: the service's host, its short name and its namespace. A Kubernetes-style
 * host {@code NAME.NAMESPACE.svc...} gives {@code NAME} and {@code NAMESPACE}; any other host is its own name with
 * an unknown namespace.
 *
 * @param host      {@code destination_service}
 * @param name      {@code destination_service_name}
 * @param namespace {@code destination_service_namespace}
 */
public record DestinationService(String host, String name, String namespace) {

    /** Every label unknown. */
    public static final DestinationService UNKNOWN =
            new DestinationService(WorkloadMetadata.UNKNOWN, WorkloadMetadata.UNKNOWN, WorkloadMetadata.UNKNOWN);

    /**
     * The service of an outbound cluster named {@code outbound|PORT|SUBSET|HOST}; {@link #UNKNOWN} for any other
     * cluster name (inbound clusters carry no host).
     */
    public static DestinationService ofCluster(String cluster) {
        if (!cluster.startsWith("outbound|")) {
            return UNKNOWN;
        }
        int second = cluster.indexOf('|', "outbound|".length());
        int third = second < 0 ? -1 : cluster.indexOf('|', second + 1);
        if (third < 0 || cluster.indexOf('|', third + 1) >= 0) {
            return UNKNOWN;
        }
        String host = cluster.substring(third + 1);
        return host.isEmpty() ? UNKNOWN : ofHost(host);
    }

    /**
     * The service a request addressed with {@code authority} (HOST or HOST:PORT) reaches; a short Kubernetes name
     * ({@code reviews}, {@code reviews.default}, {@code reviews.default.svc}) is completed in
     * {@code localNamespace} and {@code svc.cluster.local}.
     */
    public static DestinationService ofAuthority(String authority, String localNamespace) {
        String host = stripPort(authority).toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            return UNKNOWN;
        }
        if (isIpAddress(host)) {
            return new DestinationService(host, host, WorkloadMetadata.UNKNOWN);
        }
        String[] parts = host.split("\\.", -1);
        String full = switch (parts.length) {
            case 1 -> host + "." + localNamespace + ".svc.cluster.local";
            case 2 -> host + ".svc.cluster.local";
            case 3 -> parts[2].equals("svc") ? host + ".cluster.local" : host;
            default -> host;
        };
        return ofHost(full);
    }

    /** The labels of a fully qualified host. */
    public static DestinationService ofHost(String host) {
        int first = host.indexOf('.');
        int second = first < 0 ? -1 : host.indexOf('.', first + 1);
        if (first > 0 && second > first + 1 && host.startsWith(".svc.", second)) {
            return new DestinationService(host, host.substring(0, first), host.substring(first + 1, second));
        }
        return new DestinationService(host, host, WorkloadMetadata.UNKNOWN);
    }

    private static String stripPort(String authority) {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close < 0 ? authority : authority.substring(0, close + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon >= 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
    }

    private static boolean isIpAddress(String host) {
        if (host.startsWith("[")) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
