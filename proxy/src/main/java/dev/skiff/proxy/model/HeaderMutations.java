package dev.skiff.proxy.model;

import java.util.List;

/**
 * Header changes of a route for one direction (Envoy's {@code *_headers_to_add} and {@code *_headers_to_remove}):
 * names are removed first, then each value is set (replacing any value) or appended.
 *
 * @param remove names to remove
 * @param add    values to set or append, in order
 */
public record HeaderMutations(List<String> remove, List<HeaderValue> add) {

    public static final HeaderMutations NONE = new HeaderMutations(List.of(), List.of());

    public HeaderMutations {
        remove = List.copyOf(remove);
        add = List.copyOf(add);
        for (String name : remove) {
            Validation.notBlank(name, "header to remove");
        }
    }

    public boolean isEmpty() {
        return remove.isEmpty() && add.isEmpty();
    }

    /**
     * One header value to write.
     *
     * @param append whether to append to the values present rather than replace them
     */
    public record HeaderValue(String name, String value, boolean append) {
        public HeaderValue {
            Validation.notBlank(name, "header name");
            Validation.notNull(value, "value of header " + name);
        }
    }
}
