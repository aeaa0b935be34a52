package dev.skiff.proxy.xds;

/** An xDS response that cannot be applied; the message becomes the NACK's {@code error_detail}. */
public final class XdsRejectedException extends Exception {
    public XdsRejectedException(String reason) {
        super(reason);
    }
}
