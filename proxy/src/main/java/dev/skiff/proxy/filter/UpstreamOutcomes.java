package dev.skiff.proxy.filter;

import dev.skiff.proxy.upstream.OutlierResult;

/** What a finished request says about its upstream host, for outlier detection. */
public final class UpstreamOutcomes {

    private UpstreamOutcomes() {
    }

    /**
     * Reads the request's response flags and code: a connect failure is a local-origin failure, a reset before
     * the response an external failure, an answer its status code; an overflow or a request cut short downstream
     * says nothing about the host.
     */
    public static OutlierResult of(RequestContext context) {
        if (context.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW)) {
            return OutlierResult.NONE;
        }
        if (context.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE)) {
            return OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED;
        }
        if (context.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION) && context.responseCode() == 0) {
            return OutlierResult.EXT_ORIGIN_REQUEST_FAILED;
        }
        return context.responseCode() > 0 ? OutlierResult.HTTP_RESPONSE : OutlierResult.NONE;
    }
}
