package dev.skiff.controlplane.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Checks shared by the validators of every kind. Each adds a problem and returns false when a value is wrong. */
final class Checks {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern HOST_LABEL = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    /** Istio's protocol names for service and sidecar ports (matched without regard to case). */
    static final Set<String> PROTOCOLS = Set.of(
            "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "MYSQL", "REDIS", "TCP", "TLS", "UDP");
    static final String PROTOCOL_LIST = "HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP";
    /** Protocols whose requests name their host (Host header or SNI), so that several hosts can share a port. */
    static final Set<String> HOST_AWARE_PROTOCOLS = Set.of("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "TLS");

    private Checks() {
    }

    static boolean isDns1123Label(String value) {
        return value.length() <= 63 && DNS1123_LABEL.matcher(value).matches();
    }

    static boolean isDns1123Subdomain(String value) {
        if (value.isEmpty() || value.length() > 253) {
            return false;
        }
        for (String label : value.split("\\.", -1)) {
            if (!DNS1123_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** A DNS name whose labels may use upper case, such as {@code reviews} or {@code api.Example.com}. */
    static boolean isHostName(String value) {
        if (value.isEmpty() || value.length() > 255) {
            return false;
        }
        for (String label : value.split("\\.", -1)) {
            if (label.length() > 63 || !HOST_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** True for an IPv4 or IPv6 literal; no name is ever resolved. */
    static boolean isIp(String value) {
        try {
            InetAddress.ofLiteral(value);
            return !value.isEmpty();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isIpOrCidr(String value) {
        int slash = value.indexOf('/');
        if (slash < 0) {
            return isIp(value);
        }
        String address = value.substring(0, slash);
        String prefix = value.substring(slash + 1);
        if (!isIp(address) || !prefix.matches("[0-9]{1,3}")) {
            return false;
        }
        int maxPrefix = address.contains(":") ? 128 : 32;
        return Integer.parseInt(prefix) <= maxPrefix;
    }

    /** Which wildcard hosts a field accepts besides plain names. */
    enum Wildcards {
        /** {@code *.example.com}, but not {@code *} alone. */
        PREFIXED,
        /** {@code *.example.com} and {@code *}. */
        ANY
    }

    /** A host that may be a short name, an FQDN (with or without the final dot), or a wildcard host. */
    static boolean host(FieldProblems problems, String path, String host, Wildcards wildcards) {
        if (host.isEmpty()) {
            problems.add(path, "required");
            return false;
        }
        if (host.equals("*")) {
            if (wildcards == Wildcards.ANY) {
                return true;
            }
            problems.add(path, "\"*\" is not allowed here (expected: a host name such as reviews.default.svc."
                    + "cluster.local, or a wildcard such as *.example.com)");
            return false;
        }
        String rest = host.startsWith("*.") ? host.substring(2) : host;
        if (rest.endsWith(".")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (!isHostName(rest)) {
            problems.add(path, "\"" + host + "\" is not a valid host name (expected: a DNS name such as reviews, "
                    + "reviews.default.svc.cluster.local or *.example.com)");
            return false;
        }
        return true;
    }

    /** A port number that must be set. */
    static void port(FieldProblems problems, String path, int number) {
        long value = Integer.toUnsignedLong(number);
        if (value < 1 || value > 65535) {
            problems.add(path, value == 0 ? "required (expected: a port from 1 to 65535)"
                    : value + " is not a valid port (expected: 1 to 65535)");
        }
    }

    /** A port number where 0 means unset. */
    static void optionalPort(FieldProblems problems, String path, int number) {
        if (number != 0) {
            port(problems, path, number);
        }
    }

    /** A port protocol; empty is allowed, as in Istio, where it means the protocol is detected. */
    static void protocol(FieldProblems problems, String path, String protocol) {
        if (!protocol.isEmpty() && !PROTOCOLS.contains(protocol.toUpperCase(Locale.ROOT))) {
            problems.add(path, "unknown protocol \"" + protocol + "\" (expected one of: " + PROTOCOL_LIST + ")");
        }
    }

    static Duration toJava(com.google.protobuf.Duration duration) {
        return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
    }

    /** A duration that, when present, must be greater than zero. */
    static void positive(FieldProblems problems, String path, boolean present, com.google.protobuf.Duration value) {
        if (!present) {
            return;
        }
        Duration duration = toJava(value);
        if (duration.isNegative() || duration.isZero()) {
            problems.add(path, GoDuration.format(duration) + " (expected: > 0)");
        }
    }

    /** A duration that, when present, must not be negative. */
    static void nonNegative(FieldProblems problems, String path, boolean present,
            com.google.protobuf.Duration value) {
        if (present && toJava(value).isNegative()) {
            problems.add(path, GoDuration.format(toJava(value)) + " (expected: >= 0)");
        }
    }

    static void nonNegative(FieldProblems problems, String path, long value) {
        if (value < 0) {
            problems.add(path, value + " (expected: >= 0)");
        }
    }

    static void percentage(FieldProblems problems, String path, double value) {
        if (Double.isNaN(value) || value < 0 || value > 100) {
            problems.add(path, value + " (expected: a percentage from 0 to 100)");
        }
    }

    static void regex(FieldProblems problems, String path, String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            problems.add(path, "invalid regular expression \"" + regex + "\": " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
    }

    static boolean isHeaderName(String name) {
        return HEADER_NAME.matcher(name).matches();
    }

    /** Kubernetes label keys ({@code [prefix/]name}) and values. */
    static void labels(FieldProblems problems, String path, Map<String, String> labels) {
        for (Map.Entry<String, String> label : labels.entrySet()) {
            String entryPath = path + "[" + label.getKey() + "]";
            qualifiedName(problems, entryPath, label.getKey(), "label key");
            String value = label.getValue();
            if (!value.isEmpty() && (value.length() > 63 || !LABEL_NAME.matcher(value).matches())) {
                problems.add(entryPath, "\"" + value + "\" is not a valid label value (expected: at most 63 "
                        + "letters, digits, '-', '_' or '.', starting and ending with a letter or digit)");
            }
        }
    }

    /** A Kubernetes qualified name such as {@code app} or {@code app.kubernetes.io/name}. */
    static void qualifiedName(FieldProblems problems, String path, String key, String what) {
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        boolean valid = name.length() <= 63 && LABEL_NAME.matcher(name).matches()
                && (prefix == null || isDns1123Subdomain(prefix));
        if (!valid) {
            problems.add(path, "\"" + key + "\" is not a valid " + what + " (expected: an optional DNS subdomain "
                    + "prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with "
                    + "a letter or digit)");
        }
    }

    /**
     * {@code exportTo}: {@code .}, {@code *} or namespace names, without repeats, {@code *} alone; a ServiceEntry
     * may also be exported to no one with {@code ~}, alone.
     */
    static void exportTo(FieldProblems problems, String path, List<String> exportTo, boolean allowNone) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < exportTo.size(); i++) {
            String value = exportTo.get(i);
            String entryPath = path + "[" + i + "]";
            boolean special = value.equals(".") || value.equals("*") || (allowNone && value.equals("~"));
            if (!special && !isDns1123Label(value)) {
                problems.add(entryPath, "\"" + value + "\" is not valid (expected: \".\", \"*\"" + (allowNone
                        ? ", \"~\"" : "") + " or a namespace name)");
            } else if (!seen.add(value)) {
                problems.add(entryPath, "\"" + value + "\" is listed twice");
            }
        }
        for (String alone : allowNone ? List.of("*", "~") : List.of("*")) {
            if (exportTo.size() > 1 && exportTo.contains(alone)) {
                problems.add(path, "\"" + alone + "\" cannot be combined with other values (expected: \"" + alone
                        + "\" alone)");
            }
        }
    }

    /**
     * The path of a unix domain socket after {@code unix://}: absolute and not a directory, or an abstract name
     * starting with {@code @}.
     */
    static void unixAddress(FieldProblems problems, String path, String address) {
        String socket = address.substring("unix://".length());
        boolean valid = socket.startsWith("@") ? socket.length() > 1
                : socket.startsWith("/") && !socket.endsWith("/");
        if (!valid) {
            problems.add(path, "\"" + address + "\" is not a socket path (expected: unix:///absolute/path or "
                    + "unix://@abstract-name)");
        }
    }

    /**
     * True when {@code pattern} matches every name {@code name} matches: equal hosts, {@code *}, or a wildcard
     * {@code *.suffix} covering a name (or narrower wildcard) under that suffix.
     */
    static boolean covers(String pattern, String name) {
        if (pattern.equals(name) || pattern.equals("*")) {
            return true;
        }
        if (!pattern.startsWith("*.")) {
            return false;
        }
        String suffix = pattern.substring(1);
        String rest = name.startsWith("*.") ? name.substring(1) : name;
        return rest.length() > suffix.length() && rest.endsWith(suffix);
    }
}
