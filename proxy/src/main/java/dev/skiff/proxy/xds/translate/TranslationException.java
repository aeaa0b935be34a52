package dev.skiff.proxy.xds.translate;

/**
 * An xDS resource the proxy cannot turn into runtime records. The message names the resource, the field and what
 * was expected, e.g. {@code cluster outbound|80||a: lb_policy: RING_HASH unsupported (expected: ROUND_ROBIN or
 * LEAST_REQUEST)}.
 */
public final class TranslationException extends Exception {
    public TranslationException(String message) {
        super(message);
    }
}
