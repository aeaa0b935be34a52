package dev.skiff.proxy.model;

import java.util.regex.Pattern;

/**
 * How a route matches the request path. Exact and regex matches see the path without its query string, a prefix
 * sees the whole {@code :path}, as in Envoy.
 */
public sealed interface PathMatcher {

    /**
     * @param path          the request's {@code :path}
     * @param queryStart    the index of {@code '?'} in {@code path}, or {@code path.length()} when there is none
     * @param caseSensitive whether exact and prefix comparisons respect case
     */
    boolean matches(String path, int queryStart, boolean caseSensitive);

    static PathMatcher any() {
        return Any.INSTANCE;
    }

    static PathMatcher exact(String path) {
        return new Exact(path);
    }

    static PathMatcher prefix(String prefix) {
        return new Prefix(prefix);
    }

    static PathMatcher regex(String regex) {
        return new Regex(Pattern.compile(Validation.notNull(regex, "path regex")));
    }

    /** Matches every path. */
    enum Any implements PathMatcher {
        INSTANCE;

        @Override
        public boolean matches(String path, int queryStart, boolean caseSensitive) {
            return true;
        }
    }

    /** The path without query must equal the given one. */
    record Exact(String path) implements PathMatcher {
        public Exact {
            Validation.notNull(path, "exact path");
        }

        @Override
        public boolean matches(String requestPath, int queryStart, boolean caseSensitive) {
            return queryStart == path.length() && requestPath.regionMatches(!caseSensitive, 0, path, 0, queryStart);
        }
    }

    /** The {@code :path} must start with the given prefix. */
    record Prefix(String prefix) implements PathMatcher {
        public Prefix {
            Validation.notNull(prefix, "path prefix");
        }

        @Override
        public boolean matches(String requestPath, int queryStart, boolean caseSensitive) {
            return requestPath.regionMatches(!caseSensitive, 0, prefix, 0, prefix.length());
        }
    }

    /** The whole path without query must match the regular expression. */
    record Regex(Pattern pattern) implements PathMatcher {
        public Regex {
            Validation.notNull(pattern, "path regex");
        }

        @Override
        public boolean matches(String requestPath, int queryStart, boolean caseSensitive) {
            return pattern.matcher(requestPath).region(0, queryStart).matches();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Regex regex && regex.pattern.pattern().equals(pattern.pattern())
                    && regex.pattern.flags() == pattern.flags();
        }

        @Override
        public int hashCode() {
            return pattern.pattern().hashCode();
        }
    }
}
