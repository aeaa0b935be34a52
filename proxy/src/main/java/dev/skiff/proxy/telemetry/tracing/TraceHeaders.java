package dev.skiff.proxy.telemetry.tracing;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * Reads and writes the trace propagation headers: B3 (single {@code b3} and the multi-header {@code x-b3-*}
 * form) and W3C trace context ({@code traceparent}; {@code tracestate} passes through untouched). A header that
 * does not follow its format is ignored, as if it were absent.
 *
 * <p>Reading prefers {@code b3}, then {@code x-b3-*}, then {@code traceparent}. Writing always sets the
 * {@code x-b3-*} headers and {@code traceparent}, and rewrites {@code b3} when the request carried one.
 */
public final class TraceHeaders {

    public static final AsciiString B3 = AsciiString.cached("b3");
    public static final AsciiString X_B3_TRACE_ID = AsciiString.cached("x-b3-traceid");
    public static final AsciiString X_B3_SPAN_ID = AsciiString.cached("x-b3-spanid");
    public static final AsciiString X_B3_PARENT_SPAN_ID = AsciiString.cached("x-b3-parentspanid");
    public static final AsciiString X_B3_SAMPLED = AsciiString.cached("x-b3-sampled");
    public static final AsciiString X_B3_FLAGS = AsciiString.cached("x-b3-flags");
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");

    private static final AsciiString ONE = AsciiString.cached("1");
    private static final AsciiString ZERO = AsciiString.cached("0");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TraceHeaders() {
    }

    /** The trace context the request carries, {@link TraceContext#NONE} when it carries no valid one. */
    public static TraceContext extract(HttpHeaders headers) {
        String single = headers.get(B3);
        if (single != null) {
            TraceContext context = parseB3Single(single);
            if (context != null) {
                return context;
            }
        }
        TraceContext multi = parseB3Multi(headers.get(X_B3_TRACE_ID), headers.get(X_B3_SPAN_ID),
                headers.get(X_B3_SAMPLED), headers.get(X_B3_FLAGS));
        if (multi != null) {
            return multi;
        }
        String traceparent = headers.get(TRACEPARENT);
        if (traceparent != null) {
            TraceContext context = parseTraceparent(traceparent);
            if (context != null) {
                return context;
            }
        }
        return TraceContext.NONE;
    }

    /** Writes the span's context into the request going to the next hop. */
    public static void inject(HttpHeaders headers, Span span) {
        String traceId = traceIdHex(span.traceIdHigh(), span.traceIdLow());
        String spanId = hex16(span.id());
        headers.set(X_B3_TRACE_ID, traceId);
        headers.set(X_B3_SPAN_ID, spanId);
        if (span.parentId() != 0) {
            headers.set(X_B3_PARENT_SPAN_ID, hex16(span.parentId()));
        } else {
            headers.remove(X_B3_PARENT_SPAN_ID);
        }
        headers.set(X_B3_SAMPLED, span.sampled() ? ONE : ZERO);
        headers.remove(X_B3_FLAGS);
        if (headers.contains(B3)) {
            headers.set(B3, traceId + '-' + spanId + (span.sampled() ? "-1" : "-0")
                    + (span.parentId() != 0 ? "-" + hex16(span.parentId()) : ""));
        }
        headers.set(TRACEPARENT, "00-" + hex16(span.traceIdHigh()) + hex16(span.traceIdLow()) + '-' + spanId
                + (span.sampled() ? "-01" : "-00"));
    }

    /** {@code b3: {traceid}-{spanid}[-{sampling}[-{parentspanid}]]} or {@code b3: {sampling}}; null if invalid. */
    static TraceContext parseB3Single(String value) {
        if (value.length() == 1) {
            int sampling = b3Sampling(value);
            return sampling == Integer.MIN_VALUE ? null : new TraceContext(0, 0, 0, sampling);
        }
        int first = value.indexOf('-');
        if (first != 16 && first != 32) {
            return null;
        }
        int second = value.indexOf('-', first + 1);
        int spanEnd = second < 0 ? value.length() : second;
        if (spanEnd - first - 1 != 16) {
            return null;
        }
        if (!isHex(value, 0, first) || !isHex(value, first + 1, spanEnd)) {
            return null;
        }
        long high = first == 32 ? parseHex(value, 0, 16) : 0;
        long low = parseHex(value, first - 16, first);
        long span = parseHex(value, first + 1, spanEnd);
        if (high == 0 && low == 0 || span == 0) {
            return null;
        }
        int sampling = TraceContext.UNDECIDED;
        if (second >= 0) {
            int third = value.indexOf('-', second + 1);
            String flag = value.substring(second + 1, third < 0 ? value.length() : third);
            sampling = b3Sampling(flag);
            if (sampling == Integer.MIN_VALUE) {
                return null;
            }
            if (third >= 0) {
                int parentLength = value.length() - third - 1;
                if (parentLength != 16 || !isHex(value, third + 1, value.length())) {
                    return null;
                }
            }
        }
        return new TraceContext(high, low, span, sampling);
    }

    /** The {@code x-b3-*} headers; null when they carry neither a valid trace nor a sampling decision. */
    static TraceContext parseB3Multi(String traceId, String spanId, String sampled, String flags) {
        int sampling = TraceContext.UNDECIDED;
        if ("1".equals(flags)) {
            sampling = TraceContext.SAMPLED;
        } else if (sampled != null) {
            sampling = switch (sampled) {
                case "1", "true" -> TraceContext.SAMPLED;
                case "0", "false" -> TraceContext.NOT_SAMPLED;
                default -> TraceContext.UNDECIDED;
            };
        }
        if (traceId != null && spanId != null && (traceId.length() == 16 || traceId.length() == 32)
                && spanId.length() == 16 && isHex(traceId, 0, traceId.length()) && isHex(spanId, 0, 16)) {
            long high = traceId.length() == 32 ? parseHex(traceId, 0, 16) : 0;
            long low = parseHex(traceId, traceId.length() - 16, traceId.length());
            long span = parseHex(spanId, 0, 16);
            if ((high != 0 || low != 0) && span != 0) {
                return new TraceContext(high, low, span, sampling);
            }
        }
        return sampling == TraceContext.UNDECIDED ? null : new TraceContext(0, 0, 0, sampling);
    }

    /** {@code traceparent: 00-{32 hex trace id}-{16 hex parent id}-{2 hex flags}}; null if invalid. */
    static TraceContext parseTraceparent(String value) {
        if (value.length() < 55 || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-'
                || !isLowerHex(value, 0, 2) || !isLowerHex(value, 3, 35) || !isLowerHex(value, 36, 52)
                || !isLowerHex(value, 53, 55)) {
            return null;
        }
        String version = value.substring(0, 2);
        if (version.equals("ff") || version.equals("00") && value.length() != 55
                || value.length() > 55 && value.charAt(55) != '-') {
            return null;
        }
        long high = parseHex(value, 3, 19);
        long low = parseHex(value, 19, 35);
        long span = parseHex(value, 36, 52);
        if (high == 0 && low == 0 || span == 0) {
            return null;
        }
        int flags = Character.digit(value.charAt(54), 16);
        return new TraceContext(high, low, span, (flags & 1) != 0 ? TraceContext.SAMPLED : TraceContext.NOT_SAMPLED);
    }

    private static int b3Sampling(String flag) {
        return switch (flag) {
            case "1", "d" -> TraceContext.SAMPLED;
            case "0" -> TraceContext.NOT_SAMPLED;
            default -> Integer.MIN_VALUE;
        };
    }

    private static boolean isHex(String value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(value.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex(String value, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Up to 16 hex digits, already checked, as a long. */
    private static long parseHex(String value, int from, int to) {
        long result = 0;
        for (int i = from; i < to; i++) {
            result = result << 4 | Character.digit(value.charAt(i), 16);
        }
        return result;
    }

    /** A trace id as Zipkin and B3 write it: 32 hex digits for 128 bits, 16 for a 64-bit id. */
    public static String traceIdHex(long high, long low) {
        return high == 0 ? hex16(low) : hex16(high) + hex16(low);
    }

    /** 16 lower-case hex digits. */
    public static String hex16(long value) {
        char[] out = new char[16];
        for (int i = 15; i >= 0; i--) {
            out[i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
        return new String(out);
    }
}
