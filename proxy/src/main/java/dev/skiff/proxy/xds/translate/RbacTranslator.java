package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.authz.Cidr;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.StringMatch;
import dev.skiff.proxy.authz.ValueMatch;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Translates the configuration of Envoy's RBAC HTTP filter ({@code envoy.filters.http.rbac}) and network filter
 * ({@code envoy.filters.network.rbac}) into
 * {@link RbacRules}: the action and the policies (in name order, as Envoy's map has no order of its own) with the
 * permissions and principals Istio generates. Shadow rules, matcher trees, conditions and the principals and
 * permissions Istio does not generate for sidecars (metadata, filter state, custom matchers) are rejected with the
 * field that was set.
 */
public final class RbacTranslator {
    private static final Set<String> FILTER_FIELDS = Set.of("rules");
    private static final Set<String> FILTER_IGNORED = Set.of("rules_stat_prefix", "shadow_rules_stat_prefix",
            "track_per_rule_stats");
    private static final Set<String> NETWORK_FILTER_FIELDS = Set.of("rules", "stat_prefix");
    private static final Set<String> NETWORK_FILTER_IGNORED = Set.of("shadow_rules_stat_prefix");
    private static final Set<String> RBAC_FIELDS = Set.of("action", "policies");
    private static final Set<String> POLICY_FIELDS = Set.of("permissions", "principals");
    private static final Set<String> AUTHENTICATED_FIELDS = Set.of("principal_name");
    private static final Set<String> HEADER_FIELDS = Set.of("name", "string_match");
    private static final Set<String> PATH_FIELDS = Set.of("path");
    private static final Set<String> STRING_FIELDS = Set.of("exact", "prefix", "suffix", "contains", "safe_regex",
            "ignore_case");
    private static final Set<String> REGEX_FIELDS = Set.of("regex");
    private static final Set<String> REGEX_IGNORED = Set.of("google_re2");
    private static final Set<String> CIDR_FIELDS = Set.of("address_prefix", "prefix_len");
    private static final Set<String> METADATA_FIELDS = Set.of("filter", "path", "value", "invert");

    private RbacTranslator() {
    }

    /** Translates one RBAC filter configuration; {@code where} names it in error messages. */
    public static RbacRules translate(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC filter, String where)
            throws TranslationException {
        Messages.requireOnly(filter, where, FILTER_FIELDS, FILTER_IGNORED);
        return rules(filter.hasRules(), filter.getRules(), where);
    }

    /**
     * Translates one RBAC network filter configuration ({@code envoy.filters.network.rbac}, which Istio puts before
     * the {@code tcp_proxy} of an inbound TCP port): its rules, checked once per connection.
     */
    public static RbacRules translateNetwork(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC filter,
            String where) throws TranslationException {
        Messages.requireOnly(filter, where, NETWORK_FILTER_FIELDS, NETWORK_FILTER_IGNORED);
        return rules(filter.hasRules(), filter.getRules(), where).withStatPrefix(filter.getStatPrefix());
    }

    private static RbacRules rules(boolean present, RBAC rules, String where) throws TranslationException {
        if (!present) {
            throw new TranslationException(where + ": no rules (expected: rules with an action and policies)");
        }
        String at = where + ": rules";
        Messages.requireOnly(rules, at, RBAC_FIELDS, Set.of());
        RbacRules.Action action = switch (rules.getAction()) {
            case ALLOW -> RbacRules.Action.ALLOW;
            case DENY -> RbacRules.Action.DENY;
            case LOG -> RbacRules.Action.LOG;
            default -> throw new TranslationException(at + ": action " + rules.getAction()
                    + " unsupported (expected: ALLOW, DENY or LOG)");
        };
        List<RbacRules.Policy> policies = new ArrayList<>();
        for (Map.Entry<String, Policy> entry : new TreeMap<>(rules.getPoliciesMap()).entrySet()) {
            policies.add(policy(entry.getKey(), entry.getValue(), at + ": policy " + entry.getKey()));
        }
        return new RbacRules(action, policies);
    }

    private static RbacRules.Policy policy(String name, Policy policy, String where) throws TranslationException {
        Messages.requireOnly(policy, where, POLICY_FIELDS, Set.of());
        if (policy.getPermissionsCount() == 0 || policy.getPrincipalsCount() == 0) {
            throw new TranslationException(where + ": " + (policy.getPermissionsCount() == 0 ? "no permissions"
                    : "no principals") + " (expected: at least one permission and one principal)");
        }
        List<RbacMatcher> permissions = new ArrayList<>();
        for (int i = 0; i < policy.getPermissionsCount(); i++) {
            permissions.add(permission(policy.getPermissions(i), where + ": permissions[" + i + "]"));
        }
        List<RbacMatcher> principals = new ArrayList<>();
        for (int i = 0; i < policy.getPrincipalsCount(); i++) {
            principals.add(principal(policy.getPrincipals(i), where + ": principals[" + i + "]"));
        }
        return new RbacRules.Policy(name, permissions, principals);
    }

    private static RbacMatcher permission(Permission permission, String where) throws TranslationException {
        return switch (permission.getRuleCase()) {
            case ANY -> new RbacMatcher.Any();
            case AND_RULES -> new RbacMatcher.And(permissions(permission.getAndRules().getRulesList(),
                    where + ": and_rules"));
            case OR_RULES -> new RbacMatcher.Or(permissions(permission.getOrRules().getRulesList(),
                    where + ": or_rules"));
            case NOT_RULE -> new RbacMatcher.Not(permission(permission.getNotRule(), where + ": not_rule"));
            case HEADER -> header(permission.getHeader(), where + ": header");
            case URL_PATH -> {
                Messages.requireOnly(permission.getUrlPath(), where + ": url_path", PATH_FIELDS, Set.of());
                yield new RbacMatcher.UrlPath(string(permission.getUrlPath().getPath(), where + ": url_path.path"));
            }
            case DESTINATION_IP -> new RbacMatcher.DestinationIp(cidr(permission.getDestinationIp(),
                    where + ": destination_ip"));
            case DESTINATION_PORT -> {
                if (permission.getDestinationPort() < 1 || permission.getDestinationPort() > 65535) {
                    throw new TranslationException(where + ": destination_port "
                            + Integer.toUnsignedString(permission.getDestinationPort()) + " (expected: 1 to 65535)");
                }
                yield new RbacMatcher.DestinationPort(permission.getDestinationPort());
            }
            case REQUESTED_SERVER_NAME -> new RbacMatcher.RequestedServerName(string(
                    permission.getRequestedServerName(), where + ": requested_server_name"));
            default -> throw new TranslationException(where + ": " + permission.getRuleCase().name()
                    .toLowerCase(Locale.ROOT) + " unsupported (expected: any, and_rules, or_rules, not_rule, header,"
                    + " url_path, destination_ip, destination_port or requested_server_name)");
        };
    }

    private static List<RbacMatcher> permissions(List<Permission> permissions, String where)
            throws TranslationException {
        List<RbacMatcher> matchers = new ArrayList<>();
        for (int i = 0; i < permissions.size(); i++) {
            matchers.add(permission(permissions.get(i), where + "[" + i + "]"));
        }
        return matchers;
    }

    private static RbacMatcher principal(Principal principal, String where) throws TranslationException {
        return switch (principal.getIdentifierCase()) {
            case ANY -> new RbacMatcher.Any();
            case AND_IDS -> new RbacMatcher.And(principals(principal.getAndIds().getIdsList(), where + ": and_ids"));
            case OR_IDS -> new RbacMatcher.Or(principals(principal.getOrIds().getIdsList(), where + ": or_ids"));
            case NOT_ID -> new RbacMatcher.Not(principal(principal.getNotId(), where + ": not_id"));
            case AUTHENTICATED -> {
                Messages.requireOnly(principal.getAuthenticated(), where + ": authenticated", AUTHENTICATED_FIELDS,
                        Set.of());
                if (!principal.getAuthenticated().hasPrincipalName()) {
                    throw new TranslationException(where + ": authenticated without principal_name (expected: a"
                            + " principal_name matcher; any authenticated peer is matched with a presence regex)");
                }
                yield new RbacMatcher.PrincipalName(string(principal.getAuthenticated().getPrincipalName(),
                        where + ": authenticated.principal_name"));
            }
            case DIRECT_REMOTE_IP -> new RbacMatcher.SourceIp(cidr(principal.getDirectRemoteIp(),
                    where + ": direct_remote_ip"));
            case REMOTE_IP -> new RbacMatcher.RemoteIp(cidr(principal.getRemoteIp(), where + ": remote_ip"));
            case HEADER -> header(principal.getHeader(), where + ": header");
            case URL_PATH -> {
                Messages.requireOnly(principal.getUrlPath(), where + ": url_path", PATH_FIELDS, Set.of());
                yield new RbacMatcher.UrlPath(string(principal.getUrlPath().getPath(), where + ": url_path.path"));
            }
            case METADATA -> metadata(principal.getMetadata(), where + ": metadata");
            default -> throw new TranslationException(where + ": " + principal.getIdentifierCase().name()
                    .toLowerCase(Locale.ROOT) + " unsupported (expected: any, and_ids, or_ids, not_id,"
                    + " authenticated, direct_remote_ip, remote_ip, header, url_path or metadata)");
        };
    }

    private static List<RbacMatcher> principals(List<Principal> principals, String where)
            throws TranslationException {
        List<RbacMatcher> matchers = new ArrayList<>();
        for (int i = 0; i < principals.size(); i++) {
            matchers.add(principal(principals.get(i), where + "[" + i + "]"));
        }
        return matchers;
    }

    private static RbacMatcher header(HeaderMatcher header, String where) throws TranslationException {
        Messages.requireOnly(header, where, HEADER_FIELDS, Set.of());
        if (header.getName().isEmpty()) {
            throw new TranslationException(where + ": no name (expected: a header name)");
        }
        if (!header.hasStringMatch()) {
            throw new TranslationException(where + " " + header.getName()
                    + ": no string_match (expected: string_match)");
        }
        return new RbacMatcher.Header(header.getName().toLowerCase(Locale.ROOT),
                string(header.getStringMatch(), where + " " + header.getName() + ": string_match"));
    }

    /** A dynamic metadata matcher, such as Istio's on the JWT payload: a filter, a path of keys and a value. */
    private static RbacMatcher metadata(MetadataMatcher matcher, String where) throws TranslationException {
        Messages.requireOnly(matcher, where, METADATA_FIELDS, Set.of());
        if (matcher.getFilter().isEmpty() || matcher.getPathCount() == 0 || !matcher.hasValue()) {
            throw new TranslationException(where + ": filter, path and value are required (expected e.g. filter"
                    + " envoy.filters.http.jwt_authn, path [payload, sub] and a string_match)");
        }
        List<String> path = new ArrayList<>();
        for (int i = 0; i < matcher.getPathCount(); i++) {
            if (matcher.getPath(i).getSegmentCase() != MetadataMatcher.PathSegment.SegmentCase.KEY) {
                throw new TranslationException(where + ": path[" + i + "] has no key (expected: a key)");
            }
            path.add(matcher.getPath(i).getKey());
        }
        return new RbacMatcher.Metadata(matcher.getFilter(), path, value(matcher.getValue(), where + ": value"),
                matcher.getInvert());
    }

    private static ValueMatch value(ValueMatcher matcher, String where) throws TranslationException {
        return switch (matcher.getMatchPatternCase()) {
            case STRING_MATCH -> new ValueMatch.Text(string(matcher.getStringMatch(), where + ": string_match"));
            case BOOL_MATCH -> new ValueMatch.Bool(matcher.getBoolMatch());
            case PRESENT_MATCH -> new ValueMatch.Present(matcher.getPresentMatch());
            case LIST_MATCH -> {
                if (!matcher.getListMatch().hasOneOf()) {
                    throw new TranslationException(where + ": list_match without one_of (expected: one_of)");
                }
                yield new ValueMatch.ListOneOf(value(matcher.getListMatch().getOneOf(),
                        where + ": list_match.one_of"));
            }
            case OR_MATCH -> {
                List<ValueMatch> any = new ArrayList<>();
                List<ValueMatcher> matchers = matcher.getOrMatch().getValueMatchersList();
                for (int i = 0; i < matchers.size(); i++) {
                    any.add(value(matchers.get(i), where + ": or_match[" + i + "]"));
                }
                yield new ValueMatch.Or(any);
            }
            default -> throw new TranslationException(where + ": " + matcher.getMatchPatternCase().name()
                    .toLowerCase(Locale.ROOT) + " unsupported (expected: string_match, bool_match, present_match,"
                    + " list_match or or_match)");
        };
    }

    private static StringMatch string(StringMatcher matcher, String where) throws TranslationException {
        Messages.requireOnly(matcher, where, STRING_FIELDS, Set.of());
        boolean ignoreCase = matcher.getIgnoreCase();
        return switch (matcher.getMatchPatternCase()) {
            case EXACT -> new StringMatch(StringMatch.Kind.EXACT, matcher.getExact(), null, ignoreCase);
            case PREFIX -> new StringMatch(StringMatch.Kind.PREFIX, matcher.getPrefix(), null, ignoreCase);
            case SUFFIX -> new StringMatch(StringMatch.Kind.SUFFIX, matcher.getSuffix(), null, ignoreCase);
            case CONTAINS -> new StringMatch(StringMatch.Kind.CONTAINS, matcher.getContains(), null, ignoreCase);
            case SAFE_REGEX -> {
                Messages.requireOnly(matcher.getSafeRegex(), where + ": safe_regex", REGEX_FIELDS, REGEX_IGNORED);
                try {
                    yield new StringMatch(StringMatch.Kind.REGEX, null,
                            Pattern.compile(matcher.getSafeRegex().getRegex()), false);
                } catch (PatternSyntaxException e) {
                    throw new TranslationException(where + ": safe_regex " + matcher.getSafeRegex().getRegex()
                            + " does not compile: " + e.getDescription() + " (expected: an RE2 expression)");
                }
            }
            default -> throw new TranslationException(where + ": no pattern (expected: exact, prefix, suffix,"
                    + " contains or safe_regex)");
        };
    }

    private static Cidr cidr(CidrRange range, String where) throws TranslationException {
        Messages.requireOnly(range, where, CIDR_FIELDS, Set.of());
        byte[] address;
        try {
            address = InetAddress.ofLiteral(range.getAddressPrefix()).getAddress();
        } catch (IllegalArgumentException e) {
            throw new TranslationException(where + ": address_prefix \"" + range.getAddressPrefix()
                    + "\" is not an IP address (expected: an IPv4 or IPv6 literal)");
        }
        int prefix = range.hasPrefixLen() ? range.getPrefixLen().getValue() : 0;
        if (prefix < 0 || prefix > address.length * 8) {
            throw new TranslationException(where + ": prefix_len " + Integer.toUnsignedString(prefix)
                    + " (expected: 0 to " + address.length * 8 + ")");
        }
        return new Cidr(address, prefix);
    }
}
