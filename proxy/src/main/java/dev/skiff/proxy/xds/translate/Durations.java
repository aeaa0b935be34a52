package dev.skiff.proxy.xds.translate;

import java.time.Duration;

/** Protobuf durations to {@link Duration}, rejecting malformed ones. */
final class Durations {
    private Durations() {
    }

    static Duration of(com.google.protobuf.Duration duration, String where) throws TranslationException {
        if (duration.getNanos() <= -1_000_000_000 || duration.getNanos() >= 1_000_000_000
                || (duration.getSeconds() > 0 && duration.getNanos() < 0)
                || (duration.getSeconds() < 0 && duration.getNanos() > 0)) {
            throw new TranslationException(where + ": " + duration.getSeconds() + "s " + duration.getNanos()
                    + "ns (expected: a well-formed duration, nanos within a second and of the seconds' sign)");
        }
        return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
    }

    static String format(Duration duration) {
        return com.google.protobuf.util.Durations.toString(com.google.protobuf.Duration.newBuilder()
                .setSeconds(duration.getSeconds()).setNanos(duration.getNano()).build());
    }
}
