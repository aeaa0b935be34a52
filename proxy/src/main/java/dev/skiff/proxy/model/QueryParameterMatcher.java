package dev.skiff.proxy.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Matches one query parameter of the request; the first occurrence of the parameter counts and its value is
 * percent-decoded before comparison.
 *
 * @param name  the parameter name (compared as-is, case-sensitive)
 * @param kind  the kind of comparison
 * @param value the value for EXACT, null otherwise
 * @param regex the precompiled expression for REGEX (whole value must match), null otherwise
 */
public record QueryParameterMatcher(String name, Kind kind, String value, Pattern regex) {

    public enum Kind { EXACT, REGEX, PRESENT }

    public QueryParameterMatcher {
        Validation.notBlank(name, "query parameter matcher name");
        Validation.notNull(kind, "kind of query parameter matcher " + name);
        switch (kind) {
            case EXACT -> {
                Validation.notNull(value, "exact value of query parameter matcher " + name);
                regex = null;
            }
            case REGEX -> {
                Validation.notNull(regex, "regex of query parameter matcher " + name);
                value = null;
            }
            case PRESENT -> {
                value = null;
                regex = null;
            }
        }
    }

    public static QueryParameterMatcher exact(String name, String value) {
        return new QueryParameterMatcher(name, Kind.EXACT, value, null);
    }

    public static QueryParameterMatcher regex(String name, String regex) {
        return new QueryParameterMatcher(name, Kind.REGEX, null,
                Pattern.compile(Validation.notNull(regex, "query parameter regex")));
    }

    public static QueryParameterMatcher present(String name) {
        return new QueryParameterMatcher(name, Kind.PRESENT, null, null);
    }

    /**
     * @param path       the request's {@code :path}
     * @param queryStart index of {@code '?'} in the path, or {@code path.length()} when there is no query
     */
    public boolean matches(String path, int queryStart) {
        int i = queryStart + 1;
        int end = path.length();
        while (i <= end) {
            int next = path.indexOf('&', i);
            if (next < 0) {
                next = end;
            }
            int eq = path.indexOf('=', i);
            int nameEnd = eq >= 0 && eq < next ? eq : next;
            if (nameEnd - i == name.length() && path.regionMatches(i, name, 0, name.length())) {
                if (kind == Kind.PRESENT) {
                    return true;
                }
                String actual = nameEnd == next ? "" : decode(path, nameEnd + 1, next);
                return kind == Kind.EXACT ? actual.equals(value) : regex.matcher(actual).matches();
            }
            i = next + 1;
        }
        return false;
    }

    private static String decode(String s, int from, int to) {
        int percent = s.indexOf('%', from);
        if (percent < 0 || percent >= to) {
            return s.substring(from, to);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < to && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
                i += 3;
            } else {
                int codePoint = s.codePointAt(i);
                byte[] bytes = Character.toString(codePoint).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i += Character.charCount(codePoint);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof QueryParameterMatcher that && name.equals(that.name) && kind == that.kind
                && Objects.equals(value, that.value)
                && Objects.equals(regex == null ? null : regex.pattern(),
                that.regex == null ? null : that.regex.pattern());
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, value, regex == null ? null : regex.pattern());
    }
}
