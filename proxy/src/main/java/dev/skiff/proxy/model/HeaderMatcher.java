package dev.skiff.proxy.model;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Matches one request header (or pseudo-header such as {@code :method}) as Envoy's {@code HeaderMatcher} does.
 * A header that is absent fails every kind of match except {@link Kind#PRESENT} (which then matches when
 * {@code present} is false) regardless of {@code invert}; otherwise the result is inverted when {@code invert} is set.
 *
 * @param name    the header name, stored in lower case
 * @param kind    the kind of comparison
 * @param value   the value compared against for EXACT, PREFIX, SUFFIX and CONTAINS; null otherwise
 * @param regex   the precompiled expression for REGEX (whole value must match); null otherwise
 * @param present for PRESENT: true to require the header, false to require its absence
 * @param invert  whether to invert the result when the header is present
 */
public record HeaderMatcher(String name, Kind kind, String value, Pattern regex, boolean present, boolean invert) {

    public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX, PRESENT }

    public HeaderMatcher {
        name = Validation.notBlank(name, "header matcher name").toLowerCase(Locale.ROOT);
        Validation.notNull(kind, "kind of header matcher " + name);
        switch (kind) {
            case EXACT, PREFIX, SUFFIX, CONTAINS -> {
                Validation.notNull(value, kind + " value of header matcher " + name);
                if (regex != null) {
                    throw new IllegalArgumentException("header matcher " + name + ": regex set for kind " + kind
                            + " (expected: a regex only for kind REGEX)");
                }
            }
            case REGEX -> {
                Validation.notNull(regex, "regex of header matcher " + name);
                value = null;
            }
            case PRESENT -> {
                value = null;
                regex = null;
            }
        }
    }

    public static HeaderMatcher exact(String name, String value) {
        return new HeaderMatcher(name, Kind.EXACT, value, null, true, false);
    }

    public static HeaderMatcher prefix(String name, String prefix) {
        return new HeaderMatcher(name, Kind.PREFIX, prefix, null, true, false);
    }

    public static HeaderMatcher suffix(String name, String suffix) {
        return new HeaderMatcher(name, Kind.SUFFIX, suffix, null, true, false);
    }

    public static HeaderMatcher contains(String name, String part) {
        return new HeaderMatcher(name, Kind.CONTAINS, part, null, true, false);
    }

    public static HeaderMatcher regex(String name, String regex) {
        return new HeaderMatcher(name, Kind.REGEX, null, Pattern.compile(Validation.notNull(regex, "header regex")),
                true, false);
    }

    public static HeaderMatcher present(String name) {
        return new HeaderMatcher(name, Kind.PRESENT, null, null, true, false);
    }

    public static HeaderMatcher absent(String name) {
        return new HeaderMatcher(name, Kind.PRESENT, null, null, false, false);
    }

    /** Envoy's way of matching the request method: a header matcher on {@code :method}. */
    public static HeaderMatcher method(String method) {
        return exact(":method", method);
    }

    /** The same matcher with the result inverted. */
    public HeaderMatcher inverted() {
        return new HeaderMatcher(name, kind, value, regex, present, !invert);
    }

    public boolean matches(RequestHeadersView request) {
        String actual = request.header(name);
        if (actual == null) {
            return kind == Kind.PRESENT && (invert == present);
        }
        return matchesValue(actual);
    }

    /** Whether a present value of the header matches. */
    public boolean matchesValue(String actual) {
        boolean matched = switch (kind) {
            case EXACT -> actual.equals(value);
            case PREFIX -> actual.startsWith(value);
            case SUFFIX -> actual.endsWith(value);
            case CONTAINS -> actual.contains(value);
            case REGEX -> regex.matcher(actual).matches();
            case PRESENT -> present;
        };
        return matched != invert;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HeaderMatcher that && name.equals(that.name) && kind == that.kind
                && Objects.equals(value, that.value) && present == that.present && invert == that.invert
                && Objects.equals(regex == null ? null : regex.pattern(),
                that.regex == null ? null : that.regex.pattern());
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, value, regex == null ? null : regex.pattern(), present, invert);
    }
}
