package dev.skiff.controlplane.telemetryapi;

import java.util.Optional;
import java.util.Set;

/**
 * The tag override values Skiff's sidecar evaluates: a quoted string literal ({@code 'v'} or {@code "v"}, no
 * escapes), {@code node.metadata['NAME'|'NAMESPACE'|'WORKLOAD_NAME'|'CLUSTER_ID']} and
 * {@code node.metadata['LABELS']['<label>']}, each resolved once per series. Other CEL (request attributes,
 * operators, functions) is refused: it would be evaluated per request.
 */
public final class TagValues {
    private static final Set<String> NODE_KEYS = Set.of("NAME", "NAMESPACE", "WORKLOAD_NAME", "CLUSTER_ID");
    private static final String NODE_METADATA = "node.metadata['";
    private static final String NODE_LABELS = "node.metadata['LABELS']['";

    private TagValues() {
    }

    /** Why the sidecar cannot evaluate {@code value}, empty when it can. */
    public static Optional<String> problem(String value) {
        String text = value.strip();
        if (text.length() >= 2 && (text.charAt(0) == '\'' || text.charAt(0) == '"')
                && text.charAt(text.length() - 1) == text.charAt(0)) {
            String inner = text.substring(1, text.length() - 1);
            if (inner.indexOf('\\') < 0 && inner.indexOf(text.charAt(0)) < 0) {
                return Optional.empty();
            }
        }
        if (text.startsWith(NODE_LABELS) && text.endsWith("']") && text.length() > NODE_LABELS.length() + 2
                && text.substring(NODE_LABELS.length(), text.length() - 2).indexOf('\'') < 0) {
            return Optional.empty();
        }
        if (text.startsWith(NODE_METADATA) && text.endsWith("']")
                && NODE_KEYS.contains(text.substring(NODE_METADATA.length(), text.length() - 2))) {
            return Optional.empty();
        }
        return Optional.of("'" + value + "' is a CEL expression Skiff does not evaluate (expected: a quoted"
                + " string literal such as \"'prod'\", node.metadata['NAME'|'NAMESPACE'|'WORKLOAD_NAME'|"
                + "'CLUSTER_ID'] or node.metadata['LABELS']['<label>'])");
    }
}
