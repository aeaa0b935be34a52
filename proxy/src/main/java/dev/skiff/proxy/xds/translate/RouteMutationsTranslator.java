package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.HeaderMutations;
import dev.skiff.proxy.model.RouteMutations;
import dev.skiff.proxy.policy.Mutations;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route's request and response changes: {@code prefix_rewrite}, {@code regex_rewrite} and
 * {@code host_rewrite_literal} on its action, {@code request_headers_to_add/remove} and
 * {@code response_headers_to_add/remove} on the route.
 */
final class RouteMutationsTranslator {
    static final Set<String> ACTION_FIELDS = Set.of("prefix_rewrite", "regex_rewrite", "host_rewrite_literal");
    static final Set<String> ROUTE_FIELDS = Set.of("request_headers_to_add", "request_headers_to_remove",
            "response_headers_to_add", "response_headers_to_remove");

    private static final Set<String> OPTION_FIELDS = Set.of("header", "append_action", "keep_empty_value");
    private static final Set<String> HEADER_FIELDS = Set.of("key", "value");
    private static final Set<String> REGEX_REWRITE_FIELDS = Set.of("pattern", "substitution");
    private static final Set<String> REGEX_FIELDS = Set.of("regex");

    private RouteMutationsTranslator() {
    }

    static RouteMutations translate(Route route, String where) throws TranslationException {
        var action = route.getRoute();
        HeaderMutations request = headers(route.getRequestHeadersToAddList(), route.getRequestHeadersToRemoveList(),
                where + ": request_headers_to_add");
        HeaderMutations response = headers(route.getResponseHeadersToAddList(),
                route.getResponseHeadersToRemoveList(), where + ": response_headers_to_add");
        String prefix = action.getPrefixRewrite().isEmpty() ? null : action.getPrefixRewrite();
        Pattern regex = null;
        String substitution = null;
        if (action.hasRegexRewrite()) {
            RegexMatchAndSubstitute rewrite = action.getRegexRewrite();
            String at = where + ": route: regex_rewrite";
            Messages.requireOnly(rewrite, at, REGEX_REWRITE_FIELDS, Set.of());
            Messages.requireOnly(rewrite.getPattern(), at + ": pattern", REGEX_FIELDS, Set.of("google_re2"));
            regex = Messages.compile(rewrite.getPattern().getRegex(), 0, at + ": pattern");
            substitution = Mutations.javaSubstitution(rewrite.getSubstitution());
        }
        String host = action.getHostRewriteLiteral().isEmpty() ? null : action.getHostRewriteLiteral();
        if (prefix == null && regex == null && host == null && request.isEmpty() && response.isEmpty()) {
            return RouteMutations.NONE;
        }
        Pattern pattern = regex;
        String replacement = substitution;
        return Messages.build(where, () -> new RouteMutations(prefix, pattern, replacement, host, request,
                response));
    }

    static HeaderMutations headers(List<HeaderValueOption> add, List<String> remove, String where)
            throws TranslationException {
        if (add.isEmpty() && remove.isEmpty()) {
            return HeaderMutations.NONE;
        }
        List<HeaderMutations.HeaderValue> values = new ArrayList<>(add.size());
        for (HeaderValueOption option : add) {
            String at = where + " " + option.getHeader().getKey();
            Messages.requireOnly(option, at, OPTION_FIELDS, Set.of());
            Messages.requireOnly(option.getHeader(), at + ": header", HEADER_FIELDS, Set.of());
            boolean append = switch (option.getAppendAction()) {
                case APPEND_IF_EXISTS_OR_ADD -> true;
                case OVERWRITE_IF_EXISTS_OR_ADD -> false;
                default -> throw new TranslationException(at + ": append_action " + option.getAppendAction()
                        + " unsupported (expected: APPEND_IF_EXISTS_OR_ADD or OVERWRITE_IF_EXISTS_OR_ADD)");
            };
            values.add(Messages.build(at, () -> new HeaderMutations.HeaderValue(option.getHeader().getKey(),
                    option.getHeader().getValue(), append)));
        }
        return Messages.build(where, () -> new HeaderMutations(remove, values));
    }
}
