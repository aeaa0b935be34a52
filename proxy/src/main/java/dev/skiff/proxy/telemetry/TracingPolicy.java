package dev.skiff.proxy.telemetry;

import java.util.List;
import java.util.Objects;

/**
 * A listener's tracing settings, from Envoy's HCM {@code tracing}.
 *
 * @param samplingPercent the share of requests without a caller's decision that are sampled (0..100), or
 *                        {@link #SIDECAR_SAMPLING} for the sidecar's {@code --trace-sampling}
 * @param reportSpans     false when span reporting is disabled: the request goes on unsampled and no span is
 *                        reported
 * @param customTags      tags added to every span of the listener
 * @param provider        where the spans go; null for the sidecar's own collector ({@code --zipkin-address})
 * @param maxPathTagLength the longest {@code http.url} tag; longer URLs are cut (Envoy's
 *                        {@code max_path_tag_length}, default {@value #DEFAULT_MAX_PATH_TAG_LENGTH})
 */
public record TracingPolicy(double samplingPercent, boolean reportSpans, List<CustomTag> customTags,
                            TracingProvider provider, int maxPathTagLength) {

    /** The sampling percentage that means "the sidecar's own". */
    public static final double SIDECAR_SAMPLING = -1;

    /** Envoy's default {@code max_path_tag_length}. */
    public static final int DEFAULT_MAX_PATH_TAG_LENGTH = 256;

    /** The sidecar's own settings. */
    public static final TracingPolicy DEFAULT = new TracingPolicy(SIDECAR_SAMPLING, true, List.of());

    public TracingPolicy {
        if (samplingPercent != SIDECAR_SAMPLING && !(samplingPercent >= 0 && samplingPercent <= 100)) {
            throw new IllegalArgumentException("tracing sampling " + samplingPercent
                    + " (expected: a percentage from 0 to 100)");
        }
        if (maxPathTagLength < 1) {
            throw new IllegalArgumentException("max path tag length " + maxPathTagLength + " (expected: > 0)");
        }
        customTags = List.copyOf(Objects.requireNonNull(customTags, "customTags"));
    }

    /** Settings for the sidecar's own collector and Envoy's default path tag length. */
    public TracingPolicy(double samplingPercent, boolean reportSpans, List<CustomTag> customTags) {
        this(samplingPercent, reportSpans, customTags, null, DEFAULT_MAX_PATH_TAG_LENGTH);
    }

    /**
     * A tag on every span: a fixed value, or the value of a request header with a default when it is absent.
     *
     * @param name   the tag's name
     * @param header the request header read, lower case; null for a fixed value
     * @param value  the fixed value, or the header's default (empty: no tag when the header is absent)
     */
    public record CustomTag(String name, String header, String value) {
        public CustomTag {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        /** A tag with a fixed value. */
        public static CustomTag literal(String name, String value) {
            return new CustomTag(name, null, value);
        }

        /** A tag with a request header's value. */
        public static CustomTag header(String name, String header, String defaultValue) {
            return new CustomTag(name, Objects.requireNonNull(header, "header"), defaultValue);
        }
    }
}
