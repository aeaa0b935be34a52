package dev.skiff.controlplane.config;

import java.util.Objects;

/**
 * One problem found while reading configuration. {@link #toString()} gives
 * {@code file: Kind namespace/name: field.path: what is wrong}, leaving out the parts that are unknown.
 *
 * @param file      the file as it was named to the reader
 * @param key       the object, or {@code null} when the document is too broken to tell
 * @param fieldPath e.g. {@code spec.http[0].route}, or {@code ""} when the problem concerns no single field
 * @param message   what is wrong and, where it helps, what was expected
 */
public record ConfigError(String file, ConfigKey key, String fieldPath, String message) {
    public ConfigError {
        Objects.requireNonNull(file, "file");
        fieldPath = fieldPath == null ? "" : fieldPath;
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(file).append(": ");
        if (key != null) {
            text.append(key).append(": ");
        }
        if (!fieldPath.isEmpty()) {
            text.append(fieldPath).append(": ");
        }
        return text.append(message).toString();
    }
}
