package dev.skiff.proxy.policy;

import dev.skiff.proxy.model.HeaderMutations;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.RouteMutations;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;
import java.util.regex.Matcher;

/** Applies a route's {@link RouteMutations} to the request head before it goes upstream and to the response head. */
public final class Mutations {

    private Mutations() {
    }

    /**
     * Rewrites the path (the query string is kept) and the authority, then changes the request headers.
     *
     * @param path the route's path condition, whose prefix {@code prefix_rewrite} replaces
     */
    public static void applyToRequest(RouteMutations mutations, PathMatcher path, HttpRequest request) {
        if (!mutations.rewritesRequest()) {
            return;
        }
        if (mutations.prefixRewrite() != null || mutations.regexRewrite() != null) {
            String uri = request.uri();
            int query = uri.indexOf('?');
            String pathPart = query < 0 ? uri : uri.substring(0, query);
            String rest = query < 0 ? "" : uri.substring(query);
            String rewritten = mutations.prefixRewrite() != null
                    ? prefixRewrite(pathPart, mutations.prefixRewrite(), path)
                    : mutations.regexRewrite().matcher(pathPart).replaceAll(mutations.regexSubstitution());
            request.setUri(rewritten + rest);
        }
        if (mutations.hostRewrite() != null) {
            request.headers().set(HttpHeaderNames.HOST, mutations.hostRewrite());
        }
        applyHeaders(mutations.requestHeaders(), request.headers());
    }

    /** Changes the response headers. */
    public static void applyToResponse(RouteMutations mutations, HttpHeaders headers) {
        applyHeaders(mutations.responseHeaders(), headers);
    }

    private static String prefixRewrite(String path, String replacement, PathMatcher match) {
        if (match instanceof PathMatcher.Prefix prefix && path.length() >= prefix.prefix().length()) {
            return replacement + path.substring(prefix.prefix().length());
        }
        if (match instanceof PathMatcher.Exact) {
            return replacement;
        }
        return path;
    }

    /** Removes, then sets or appends, the headers of one direction. */
    public static void applyHeaders(HeaderMutations mutations, HttpHeaders headers) {
        if (mutations.isEmpty()) {
            return;
        }
        List<String> remove = mutations.remove();
        for (int i = 0; i < remove.size(); i++) {
            headers.remove(remove.get(i));
        }
        List<HeaderMutations.HeaderValue> add = mutations.add();
        for (int i = 0; i < add.size(); i++) {
            HeaderMutations.HeaderValue value = add.get(i);
            if (value.append()) {
                headers.add(value.name(), value.value());
            } else {
                headers.set(value.name(), value.value());
            }
        }
    }

    /** Envoy's substitution syntax ({@code \1}) in Java's ({@code $1}), other characters quoted. */
    public static String javaSubstitution(String envoy) {
        StringBuilder out = new StringBuilder(envoy.length());
        for (int i = 0; i < envoy.length(); i++) {
            char c = envoy.charAt(i);
            if (c == '\\' && i + 1 < envoy.length() && Character.isDigit(envoy.charAt(i + 1))) {
                out.append('$').append(envoy.charAt(++i));
            } else {
                out.append(Matcher.quoteReplacement(String.valueOf(c)));
            }
        }
        return out.toString();
    }
}
