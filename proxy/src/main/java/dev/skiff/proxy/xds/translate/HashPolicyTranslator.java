package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.HashPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A route action's {@code hash_policy} list into {@link HashPolicy} records: header, cookie (name, path, ttl),
 * connection properties (source IP) and query parameter, each optionally terminal. Filter state and regex rewrites
 * of header values are not supported.
 */
final class HashPolicyTranslator {

    private static final Set<String> POLICY_FIELDS = Set.of("header", "cookie", "connection_properties",
            "query_parameter", "terminal");
    private static final Set<String> HEADER_FIELDS = Set.of("header_name");
    private static final Set<String> COOKIE_FIELDS = Set.of("name", "path", "ttl");
    private static final Set<String> CONNECTION_FIELDS = Set.of("source_ip");
    private static final Set<String> QUERY_FIELDS = Set.of("name");

    private HashPolicyTranslator() {
    }

    static List<HashPolicy> translate(List<RouteAction.HashPolicy> policies, String where)
            throws TranslationException {
        List<HashPolicy> translated = new ArrayList<>(policies.size());
        for (int i = 0; i < policies.size(); i++) {
            RouteAction.HashPolicy policy = policies.get(i);
            String at = where + ": hash_policy[" + i + "]";
            Messages.requireOnly(policy, at, POLICY_FIELDS, Set.of());
            boolean terminal = policy.getTerminal();
            HashPolicy result = switch (policy.getPolicySpecifierCase()) {
                case HEADER -> {
                    Messages.requireOnly(policy.getHeader(), at + ".header", HEADER_FIELDS, Set.of());
                    String name = policy.getHeader().getHeaderName().toLowerCase(Locale.ROOT);
                    yield Messages.build(at, () -> new HashPolicy(HashPolicy.Kind.HEADER, name, "", null, terminal));
                }
                case COOKIE -> {
                    RouteAction.HashPolicy.Cookie cookie = policy.getCookie();
                    Messages.requireOnly(cookie, at + ".cookie", COOKIE_FIELDS, Set.of());
                    Duration ttl = cookie.hasTtl() ? Durations.of(cookie.getTtl(), at + ".cookie.ttl") : null;
                    yield Messages.build(at, () -> new HashPolicy(HashPolicy.Kind.COOKIE, cookie.getName(),
                            cookie.getPath(), ttl, terminal));
                }
                case CONNECTION_PROPERTIES -> {
                    Messages.requireOnly(policy.getConnectionProperties(), at + ".connection_properties",
                            CONNECTION_FIELDS, Set.of());
                    if (!policy.getConnectionProperties().getSourceIp()) {
                        throw new TranslationException(at + ".connection_properties.source_ip false"
                                + " (expected: true)");
                    }
                    yield new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", "", null, terminal);
                }
                case QUERY_PARAMETER -> {
                    Messages.requireOnly(policy.getQueryParameter(), at + ".query_parameter", QUERY_FIELDS,
                            Set.of());
                    String name = policy.getQueryParameter().getName();
                    yield Messages.build(at, () -> new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, name, "", null,
                            terminal));
                }
                default -> throw new TranslationException(at + ": no hash key (expected: header, cookie,"
                        + " connection_properties or query_parameter)");
            };
            translated.add(result);
        }
        return translated;
    }
}
