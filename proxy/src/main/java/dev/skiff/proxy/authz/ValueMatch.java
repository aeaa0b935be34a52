package dev.skiff.proxy.authz;

import java.util.List;
import java.util.Objects;

/** Envoy's {@code ValueMatcher} over JSON-like metadata values: strings, booleans, lists and alternatives. */
public sealed interface ValueMatch {

    boolean matches(Object value);

    /** A string value the string match accepts. */
    record Text(StringMatch match) implements ValueMatch {
        public Text {
            Objects.requireNonNull(match, "match");
        }

        @Override
        public boolean matches(Object value) {
            return value instanceof String text && match.matches(text);
        }
    }

    /** A boolean value equal to {@code expected}. */
    record Bool(boolean expected) implements ValueMatch {
        @Override
        public boolean matches(Object value) {
            return value instanceof Boolean bool && bool == expected;
        }
    }

    /** Any value that is present (or, with {@code present} false, none: never, since absence is matched earlier). */
    record Present(boolean present) implements ValueMatch {
        @Override
        public boolean matches(Object value) {
            return present;
        }
    }

    /** A list with at least one element {@code oneOf} matches. */
    record ListOneOf(ValueMatch oneOf) implements ValueMatch {
        public ListOneOf {
            Objects.requireNonNull(oneOf, "oneOf");
        }

        @Override
        public boolean matches(Object value) {
            if (value instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    if (oneOf.matches(list.get(i))) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** A value one of the matchers accepts. */
    record Or(List<ValueMatch> any) implements ValueMatch {
        public Or {
            any = List.copyOf(any);
        }

        @Override
        public boolean matches(Object value) {
            for (int i = 0; i < any.size(); i++) {
                if (any.get(i).matches(value)) {
                    return true;
                }
            }
            return false;
        }
    }
}
