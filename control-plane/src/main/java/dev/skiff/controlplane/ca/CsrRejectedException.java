package dev.skiff.controlplane.ca;

/** A certificate signing request the CA will not sign, with the reason in the message. */
public final class CsrRejectedException extends Exception {
    /** Why the request was refused. */
    public enum Reason {
        /** The CSR cannot be read, or its signature does not prove possession of the key. */
        MALFORMED,
        /** The CSR asks for a name the caller is not authenticated for. */
        IDENTITY_MISMATCH
    }

    private final Reason reason;

    public CsrRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
