package dev.skiff.proxy.model;

/**
 * A route the proxy answers itself, without an upstream (Envoy's {@code redirect} and {@code direct_response}
 * route actions).
 */
public sealed interface LocalResponseSpec permits RedirectSpec, DirectResponseSpec {

    /** The status of the answer. */
    int status();

    /** The route's response header changes, applied to the answer. */
    HeaderMutations responseHeaders();
}
