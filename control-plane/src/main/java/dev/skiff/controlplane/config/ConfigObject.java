package dev.skiff.controlplane.config;

import com.google.protobuf.Message;
import java.util.Map;
import java.util.Objects;

/**
 * One valid configuration object as read from a file.
 *
 * @param key         kind, namespace and name
 * @param apiVersion  the {@code apiVersion} as written, e.g. {@code networking.istio.io/v1}
 * @param labels      {@code metadata.labels}
 * @param annotations {@code metadata.annotations}
 * @param spec        the parsed and validated spec, an instance of {@code key.kind().specClass()}
 * @param source      the file the object was read from
 * @param generation  a number that grows each time the object's content (or its file) changes, never reused
 *                    by one source; an object whose file was rewritten without changing it keeps its generation
 *                    and stays the same instance
 */
public record ConfigObject(
        ConfigKey key,
        String apiVersion,
        Map<String, String> labels,
        Map<String, String> annotations,
        Message spec,
        String source,
        long generation) {

    public ConfigObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(apiVersion, "apiVersion");
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(source, "source");
        if (!key.kind().specClass().isInstance(spec)) {
            throw new IllegalArgumentException(key + ": spec is a " + spec.getClass().getSimpleName()
                    + " (expected: " + key.kind().specClass().getSimpleName() + ")");
        }
    }

    /** The spec as its concrete type, e.g. {@code object.spec(VirtualService.class)}. */
    public <T extends Message> T spec(Class<T> type) {
        if (!type.isInstance(spec)) {
            throw new IllegalArgumentException(key + " has a " + spec.getClass().getSimpleName() + " spec, not a "
                    + type.getSimpleName());
        }
        return type.cast(spec);
    }

    /** True when both objects hold the same content from the same file, whatever their generations. */
    public boolean sameContentAs(ConfigObject other) {
        return key.equals(other.key) && apiVersion.equals(other.apiVersion) && labels.equals(other.labels)
                && annotations.equals(other.annotations) && spec.equals(other.spec) && source.equals(other.source);
    }

    /** This object with another generation. */
    public ConfigObject withGeneration(long newGeneration) {
        return new ConfigObject(key, apiVersion, labels, annotations, spec, source, newGeneration);
    }
}
