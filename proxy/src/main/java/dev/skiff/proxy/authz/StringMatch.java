package dev.skiff.proxy.authz;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Envoy's {@code StringMatcher} as RBAC uses it: exact, prefix, suffix, contains (optionally ignoring ASCII case)
 * or a regular expression that must match the whole value.
 *
 * @param kind       the comparison
 * @param value      the compared value for EXACT, PREFIX, SUFFIX and CONTAINS; null for REGEX
 * @param regex      the expression for REGEX; null otherwise
 * @param ignoreCase whether EXACT, PREFIX, SUFFIX and CONTAINS ignore ASCII case
 */
public record StringMatch(Kind kind, String value, Pattern regex, boolean ignoreCase) {

    public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

    public StringMatch {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.REGEX) {
            Objects.requireNonNull(regex, "regex of a REGEX string match");
            value = null;
        } else {
            Objects.requireNonNull(value, "value of a " + kind + " string match");
            regex = null;
        }
    }

    /** Whether {@code actual} matches; a null value (absent attribute) never does. */
    public boolean matches(String actual) {
        if (actual == null) {
            return false;
        }
        return switch (kind) {
            case EXACT -> ignoreCase ? actual.equalsIgnoreCase(value) : actual.equals(value);
            case PREFIX -> actual.regionMatches(ignoreCase, 0, value, 0, value.length());
            case SUFFIX -> actual.length() >= value.length()
                    && actual.regionMatches(ignoreCase, actual.length() - value.length(), value, 0, value.length());
            case CONTAINS -> contains(actual);
            case REGEX -> regex.matcher(actual).matches();
        };
    }

    private boolean contains(String actual) {
        for (int i = 0; i + value.length() <= actual.length(); i++) {
            if (actual.regionMatches(ignoreCase, i, value, 0, value.length())) {
                return true;
            }
        }
        return false;
    }

    /** Value equality, with the pattern compared by its source (Pattern has identity equality). */
    @Override
    public boolean equals(Object other) {
        return other instanceof StringMatch that && kind == that.kind && ignoreCase == that.ignoreCase
                && Objects.equals(value, that.value)
                && Objects.equals(regex == null ? null : regex.pattern(), that.regex == null ? null : that.regex.pattern());
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, value, regex == null ? null : regex.pattern(), ignoreCase);
    }
}
