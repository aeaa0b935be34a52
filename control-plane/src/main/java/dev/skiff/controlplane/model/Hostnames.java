package dev.skiff.controlplane.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Host name rules shared by the model and the generators. Kubernetes-style short names are resolved relative to the
 * namespace of the configuration object that mentions them, exactly like Istio: a name without a dot
 * ({@code reviews}) becomes {@code reviews.<namespace>.svc.cluster.local}; a name with a dot, an IP address or the
 * wildcard {@code *} is taken as written.
 */
public final class Hostnames {
    /** The cluster domain appended to short names. */
    public static final String CLUSTER_DOMAIN = "cluster.local";

    private static final String SERVICE_SUFFIX = ".svc." + CLUSTER_DOMAIN;

    private Hostnames() {
    }

    /**
     * The fully qualified form of {@code host} as written in an object of {@code namespace}.
     *
     * @throws IllegalArgumentException if the host is empty
     */
    public static String resolve(String host, String namespace) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host: \"\" (expected: a host name, a short service name or *)");
        }
        if (host.indexOf('.') >= 0 || host.indexOf(':') >= 0 || host.equals("*")) {
            return host;
        }
        return host + "." + namespace + SERVICE_SUFFIX;
    }

    /**
     * Whether the host pattern {@code pattern} (an exact name, {@code *}, or {@code *.suffix}) covers {@code host}.
     * Both are fully qualified; the comparison ignores case.
     */
    public static boolean matches(String pattern, String host) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1);
            return host.length() > suffix.length() && host.regionMatches(true, host.length() - suffix.length(),
                    suffix, 0, suffix.length());
        }
        return pattern.equalsIgnoreCase(host);
    }

    /**
     * How specific a matching pattern is: exact names beat every wildcard, longer wildcards beat shorter ones.
     * Only meaningful for patterns that {@link #matches match}.
     */
    public static int specificity(String pattern) {
        return pattern.startsWith("*") ? pattern.length() - 1 : Integer.MAX_VALUE;
    }

    /**
     * The names a client in {@code namespace} may use for {@code host} besides the host itself:
     * {@code name}, {@code name.namespace} and {@code name.namespace.svc} when {@code host} is
     * {@code name.namespace.svc.cluster.local}; nothing otherwise.
     */
    public static List<String> shortForms(String host, String namespace) {
        String suffix = "." + namespace + SERVICE_SUFFIX;
        if (!host.endsWith(suffix) || host.length() == suffix.length()) {
            return List.of();
        }
        String name = host.substring(0, host.length() - suffix.length());
        if (name.indexOf('.') >= 0) {
            return List.of();
        }
        List<String> forms = new ArrayList<>(3);
        forms.add(name);
        forms.add(name + "." + namespace);
        forms.add(name + "." + namespace + ".svc");
        return forms;
    }
}
