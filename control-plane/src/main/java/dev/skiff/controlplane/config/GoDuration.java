package dev.skiff.controlplane.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;

/**
 * Parses durations the way Go's {@code time.ParseDuration} does, which is what Istio accepts: a sign, then one or
 * more decimal numbers each followed by a unit among {@code ns}, {@code us} ({@code µs}), {@code ms}, {@code s},
 * {@code m}, {@code h}, such as {@code 1.5s}, {@code 100ms} or {@code 1h2m}; a bare {@code 0} is zero.
 */
public final class GoDuration {
    private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger MIN_NANOS = BigInteger.valueOf(Long.MIN_VALUE);
    private static final Map<String, Long> UNIT_NANOS = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "\u00b5s", 1_000L,
            "\u03bcs", 1_000L,
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);
    private static final String EXPECTED = "expected a duration such as 1.5s, 100ms, 1m or 1h30m";

    private GoDuration() {
    }

    /** @throws IllegalArgumentException with a message that quotes the text and says what was expected */
    public static Duration parse(String text) {
        int pos = 0;
        boolean negative = false;
        if (pos < text.length() && (text.charAt(pos) == '-' || text.charAt(pos) == '+')) {
            negative = text.charAt(pos) == '-';
            pos++;
        }
        if (text.substring(pos).equals("0")) {
            return Duration.ZERO;
        }
        if (pos == text.length()) {
            throw invalid(text);
        }
        BigDecimal totalNanos = BigDecimal.ZERO;
        while (pos < text.length()) {
            int numberStart = pos;
            while (pos < text.length() && isNumberChar(text.charAt(pos))) {
                pos++;
            }
            String number = text.substring(numberStart, pos);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw invalid(text);
            }
            int unitStart = pos;
            while (pos < text.length() && !isNumberChar(text.charAt(pos))) {
                pos++;
            }
            String unit = text.substring(unitStart, pos);
            if (unit.isEmpty()) {
                throw new IllegalArgumentException("\"" + text + "\" has no unit (" + EXPECTED + ")");
            }
            Long nanosPerUnit = UNIT_NANOS.get(unit);
            if (nanosPerUnit == null) {
                throw new IllegalArgumentException("\"" + text + "\" has an unknown unit \"" + unit
                        + "\" (expected one of ns, us, ms, s, m, h)");
            }
            totalNanos = totalNanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(nanosPerUnit)));
        }
        BigInteger nanos = totalNanos.setScale(0, RoundingMode.DOWN).toBigIntegerExact();
        if (negative) {
            nanos = nanos.negate();
        }
        if (nanos.compareTo(MAX_NANOS) > 0 || nanos.compareTo(MIN_NANOS) < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is out of range (expected: at most 2562047h)");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** Formats a duration the way Go prints it: {@code 1h2m0.5s}, {@code 100ms}, {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder text = new StringBuilder();
        if (duration.isNegative()) {
            text.append('-');
            duration = duration.negated();
        }
        long totalNanos = duration.toNanos();
        if (totalNanos < 1_000_000_000L) {
            if (totalNanos % 1_000_000L == 0) {
                return text.append(totalNanos / 1_000_000L).append("ms").toString();
            }
            if (totalNanos % 1_000L == 0) {
                return text.append(totalNanos / 1_000L).append("us").toString();
            }
            return text.append(totalNanos).append("ns").toString();
        }
        long hours = duration.toHours();
        int minutes = duration.toMinutesPart();
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            text.append(minutes).append('m');
        }
        BigDecimal seconds = BigDecimal.valueOf(duration.toSecondsPart())
                .add(BigDecimal.valueOf(duration.toNanosPart(), 9)).stripTrailingZeros();
        return text.append(seconds.toPlainString()).append('s').toString();
    }

    private static boolean isNumberChar(char c) {
        return (c >= '0' && c <= '9') || c == '.';
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not a valid duration (" + EXPECTED + ")");
    }
}
