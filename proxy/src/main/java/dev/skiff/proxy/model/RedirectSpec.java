package dev.skiff.proxy.model;

/**
 * A redirect (Envoy's {@code RedirectAction}): the request's URL with the parts that are set replaced, sent back in
 * {@code Location}.
 *
 * @param scheme          the scheme to redirect to, null to keep the request's
 * @param host            the host to redirect to, null to keep the request's
 * @param port            the port to redirect to, 0 to keep the request's (a port that is the scheme's default is
 *                        left out of the URL)
 * @param pathRedirect    replaces the whole path (and the query when it has one), null for none
 * @param prefixRewrite   replaces the prefix the route matched, null for none
 * @param stripQuery      whether the query string is dropped
 * @param status          301, 302, 303, 307 or 308
 * @param responseHeaders the route's response header changes
 */
public record RedirectSpec(String scheme, String host, int port, String pathRedirect, String prefixRewrite,
                           boolean stripQuery, int status, HeaderMutations responseHeaders)
        implements LocalResponseSpec {

    public RedirectSpec {
        if (pathRedirect != null && prefixRewrite != null) {
            throw new IllegalArgumentException("redirect with both path_redirect '" + pathRedirect
                    + "' and prefix_rewrite '" + prefixRewrite + "' (expected: at most one of them)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("redirect port " + port + " (expected: 0..65535)");
        }
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
            throw new IllegalArgumentException("redirect status " + status + " (expected: 301, 302, 303, 307 or 308)");
        }
        responseHeaders = responseHeaders == null ? HeaderMutations.NONE : responseHeaders;
    }
}
