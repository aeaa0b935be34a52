package dev.skiff.proxy.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a route changes in the request it forwards and in the response it returns: path rewrite (Envoy's
 * {@code prefix_rewrite} or {@code regex_rewrite}), authority rewrite ({@code host_rewrite_literal}) and header
 * changes both ways.
 *
 * @param prefixRewrite     replaces the matched prefix (the whole path for an exact match), null for none
 * @param regexRewrite      a pattern whose matches in the path are replaced by {@code regexSubstitution}, null for
 *                          none
 * @param regexSubstitution the replacement, with {@code \1}-style group references already turned into
 *                          {@code $1}
 * @param hostRewrite       the authority to send upstream, null to keep the request's
 * @param requestHeaders    changes to the request headers
 * @param responseHeaders   changes to the response headers
 */
public record RouteMutations(String prefixRewrite, Pattern regexRewrite, String regexSubstitution,
                             String hostRewrite, HeaderMutations requestHeaders, HeaderMutations responseHeaders) {

    public static final RouteMutations NONE = new RouteMutations(null, null, null, null, HeaderMutations.NONE,
            HeaderMutations.NONE);

    public RouteMutations {
        if (prefixRewrite != null && regexRewrite != null) {
            throw new IllegalArgumentException("route rewrite with both prefix_rewrite '" + prefixRewrite
                    + "' and regex_rewrite '" + regexRewrite + "' (expected: at most one of them)");
        }
        if ((regexRewrite == null) != (regexSubstitution == null)) {
            throw new IllegalArgumentException("regex_rewrite without its substitution (expected: both)");
        }
        requestHeaders = requestHeaders == null ? HeaderMutations.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderMutations.NONE : responseHeaders;
    }

    public boolean rewritesRequest() {
        return prefixRewrite != null || regexRewrite != null || hostRewrite != null || !requestHeaders.isEmpty();
    }

    /** Value equality, with the rewrite pattern compared by its source (Pattern has identity equality). */
    @Override
    public boolean equals(Object other) {
        return other instanceof RouteMutations that && Objects.equals(prefixRewrite, that.prefixRewrite)
                && Objects.equals(regexSource(), that.regexSource())
                && Objects.equals(regexSubstitution, that.regexSubstitution)
                && Objects.equals(hostRewrite, that.hostRewrite) && requestHeaders.equals(that.requestHeaders)
                && responseHeaders.equals(that.responseHeaders);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prefixRewrite, regexSource(), regexSubstitution, hostRewrite, requestHeaders,
                responseHeaders);
    }

    private String regexSource() {
        return regexRewrite == null ? null : regexRewrite.pattern();
    }
}
