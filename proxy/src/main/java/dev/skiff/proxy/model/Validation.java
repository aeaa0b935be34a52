package dev.skiff.proxy.model;

import java.util.Objects;

/** Argument checks shared by the model records; messages say what was wrong and what was expected. */
final class Validation {

    private Validation() {
    }

    static <T> T notNull(T value, String what) {
        return Objects.requireNonNull(value, () -> what + ": null (expected: a value)");
    }

    static String notBlank(String value, String what) {
        notNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + ": '" + value + "' (expected: a non-blank string)");
        }
        return value;
    }

    static int port(int port, String what) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + ": " + port + " (expected: 0..65535)");
        }
        return port;
    }
}
