package dev.skiff.bench;

import java.time.Duration;
import java.util.Locale;

/** Parses the duration syntax the benchmark options use: {@code 500ms}, {@code 8s}, {@code 2m}. */
final class Durations {
    private Durations() {
    }

    static Duration parse(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return nonNegative(option, text, Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))));
            }
            if (t.endsWith("s")) {
                return nonNegative(option, text, Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1))));
            }
            if (t.endsWith("m")) {
                return nonNegative(option, text, Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1))));
            }
        } catch (NumberFormatException e) {
            // reported below with the expected syntax
        }
        throw new IllegalArgumentException(option + ": '" + text + "' (expected a whole number with ms, s or m, e.g. 500ms, 8s, 2m)");
    }

    private static Duration nonNegative(String option, String text, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(option + ": '" + text + "' (expected a duration >= 0)");
        }
        return d;
    }
}
