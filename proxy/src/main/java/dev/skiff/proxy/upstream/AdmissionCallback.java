package dev.skiff.proxy.upstream;

/** The answer of a cluster's circuit breakers to one request; called on the request's event loop. */
public interface AdmissionCallback {

    /** The request may go upstream now: ask the pools for a connection. */
    void onAdmitted();

    /** The request is refused (Envoy's overflow, UO); it must be answered at once. */
    void onOverflow(UpstreamOverflowException overflow);
}
