package dev.skiff.controlplane.config;

import java.util.List;

/**
 * One YAML document of a file after parsing and validation.
 *
 * @param index  the document's position in its file, from 1
 * @param key    the object it declares, or {@code null} when kind, name or namespace could not be read
 * @param object the valid object, or {@code null} when there are errors
 * @param errors what is wrong; empty exactly when {@code object} is set
 */
public record ParsedDocument(int index, ConfigKey key, ConfigObject object, List<ConfigError> errors) {
    public ParsedDocument {
        errors = List.copyOf(errors);
        if ((object == null) == errors.isEmpty()) {
            throw new IllegalArgumentException("a document has either an object or errors");
        }
    }

    public boolean valid() {
        return object != null;
    }
}
