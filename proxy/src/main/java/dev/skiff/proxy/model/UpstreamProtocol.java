package dev.skiff.proxy.model;

/** The HTTP protocol the proxy speaks to a cluster's endpoints. */
public enum UpstreamProtocol {
    HTTP1,
    HTTP2,
    /** Whatever protocol the downstream request arrived with. */
    USE_DOWNSTREAM
}
