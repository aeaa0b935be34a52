package dev.skiff.proxy.upstream;

/** What one request tells the outlier detector about its host (Envoy's {@code Outlier::Result}). */
public enum OutlierResult {
    /** Nothing: the request never reached the host, or was cut short downstream. */
    NONE,
    /** The host answered; the response code tells how. */
    HTTP_RESPONSE,
    /** Connecting to the host failed (a local-origin error). */
    LOCAL_ORIGIN_CONNECT_FAILED,
    /** The host did not answer in time (a local-origin error, a gateway failure otherwise). */
    LOCAL_ORIGIN_TIMEOUT,
    /** The host reset the connection before answering (an external error, counted as a 503). */
    EXT_ORIGIN_REQUEST_FAILED
}
