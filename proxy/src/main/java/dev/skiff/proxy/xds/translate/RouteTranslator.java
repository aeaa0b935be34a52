package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.HeaderMatcher;
import dev.skiff.proxy.model.HeaderMutations;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.QueryParameterMatcher;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteMutations;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.model.WeightedCluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code RouteConfiguration} to {@link RouteTable}: virtual hosts by domain, routes matched by path (prefix, exact
 * path, regex, path-separated prefix), headers and query parameters, forwarding to one cluster or to weighted
 * clusters. Regular expressions are compiled here; a route the proxy could not honour exactly rejects the whole
 * configuration.
 */
public final class RouteTranslator {
    private static final Set<String> CONFIG_FIELDS = Set.of("name", "virtual_hosts");
    private static final Set<String> CONFIG_IGNORED = Set.of("validate_clusters", "most_specific_header_mutations_wins",
            "max_direct_response_body_size_bytes", "metadata");
    private static final Set<String> VIRTUAL_HOST_FIELDS = Set.of("name", "domains", "routes");
    private static final Set<String> ROUTE_FIELDS = union(Set.of("name", "match", "route",
            "typed_per_filter_config"), RouteMutationsTranslator.ROUTE_FIELDS);
    private static final Set<String> ROUTE_IGNORED = Set.of("metadata", "decorator", "stat_prefix");
    private static final Set<String> MATCH_FIELDS = Set.of("prefix", "path", "safe_regex", "path_separated_prefix",
            "case_sensitive", "headers", "query_parameters", "grpc");
    private static final Set<String> ACTION_FIELDS = union(Set.of("cluster", "weighted_clusters", "hash_policy",
            MirrorTranslator.FIELD),
            union(RoutePolicyTranslator.ACTION_FIELDS, RouteMutationsTranslator.ACTION_FIELDS));
    private static final Set<String> WEIGHTED_FIELDS = Set.of("clusters", "total_weight");
    private static final Set<String> CLUSTER_WEIGHT_FIELDS = union(Set.of("name", "weight"),
            RouteMutationsTranslator.ROUTE_FIELDS);
    private static final Set<String> HEADER_FIELDS = Set.of("name", "exact_match", "safe_regex_match", "present_match",
            "prefix_match", "suffix_match", "contains_match", "string_match", "invert_match");
    private static final Set<String> QUERY_FIELDS = Set.of("name", "string_match", "present_match");
    private static final Set<String> STRING_MATCH_FIELDS = Set.of("exact", "prefix", "suffix", "safe_regex", "contains",
            "ignore_case");
    private static final Set<String> REGEX_FIELDS = Set.of("regex");
    private static final Set<String> REGEX_IGNORED = Set.of("google_re2");
    private static final int IGNORE_CASE = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    public RouteTable translate(RouteConfiguration config) throws TranslationException {
        if (config.getName().isEmpty()) {
            throw new TranslationException("route_configuration: name is empty (expected: a route configuration name)");
        }
        String where = "route_configuration " + config.getName();
        Messages.requireOnly(config, where, CONFIG_FIELDS, CONFIG_IGNORED);
        List<VirtualHost> hosts = new ArrayList<>(config.getVirtualHostsCount());
        for (io.envoyproxy.envoy.config.route.v3.VirtualHost host : config.getVirtualHostsList()) {
            hosts.add(virtualHost(host, where));
        }
        return Messages.build(where, () -> new RouteTable(config.getName(), hosts));
    }

    private static VirtualHost virtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost host, String parent)
            throws TranslationException {
        String where = parent + ": virtual_host " + host.getName();
        Messages.requireOnly(host, where, VIRTUAL_HOST_FIELDS, Set.of("metadata"));
        List<Route> routes = new ArrayList<>(host.getRoutesCount());
        for (int i = 0; i < host.getRoutesCount(); i++) {
            routes.add(route(host.getRoutes(i), i, where));
        }
        return Messages.build(where, () -> new VirtualHost(host.getName(), host.getDomainsList(), routes));
    }

    private static Route route(io.envoyproxy.envoy.config.route.v3.Route route, int index, String parent)
            throws TranslationException {
        String where = parent + ": route " + (route.getName().isEmpty() ? "#" + index : route.getName());
        if (LocalResponseTranslator.answersLocally(route)) {
            RouteMatch match = match(route.getMatch(), where + ": match");
            return LocalResponseTranslator.route(route, match, where);
        }
        if (route.getActionCase() != io.envoyproxy.envoy.config.route.v3.Route.ActionCase.ROUTE) {
            String action = route.getActionCase() == io.envoyproxy.envoy.config.route.v3.Route.ActionCase.ACTION_NOT_SET
                    ? "none" : Messages.lower(route.getActionCase());
            throw new TranslationException(where + ": action " + action
                    + " unsupported (expected: route, redirect or direct_response)");
        }
        Messages.requireOnly(route, where, ROUTE_FIELDS, ROUTE_IGNORED);
        RouteMatch match = match(route.getMatch(), where + ": match");
        RouteAction action = action(route.getRoute(), where + ": route");
        Map<String, Object> filterConfigs = HttpFilterTranslator.perRoute(route.getTypedPerFilterConfigMap(), where);
        RouteMutations mutations = RouteMutationsTranslator.translate(route, where);
        RouteAction mutating = mutations == RouteMutations.NONE ? action : action.withMutations(mutations);
        return Messages.build(where, () -> new Route(route.getName(), match, mutating, filterConfigs));
    }

    private static RouteMatch match(io.envoyproxy.envoy.config.route.v3.RouteMatch match, String where)
            throws TranslationException {
        Messages.requireOnly(match, where, MATCH_FIELDS, Set.of());
        boolean caseSensitive = !match.hasCaseSensitive() || match.getCaseSensitive().getValue();
        PathMatcher path = switch (match.getPathSpecifierCase()) {
            case PREFIX -> PathMatcher.prefix(match.getPrefix());
            case PATH -> PathMatcher.exact(match.getPath());
            case SAFE_REGEX -> new PathMatcher.Regex(regex(match.getSafeRegex(), where + ": safe_regex"));
            case PATH_SEPARATED_PREFIX -> pathSeparatedPrefix(match.getPathSeparatedPrefix(), caseSensitive, where);
            case PATHSPECIFIER_NOT_SET -> throw new TranslationException(where
                    + ": no path condition (expected: prefix, path, safe_regex or path_separated_prefix)");
            default -> throw new TranslationException(where + ": " + Messages.lower(match.getPathSpecifierCase())
                    + " unsupported (expected: prefix, path, safe_regex or path_separated_prefix)");
        };
        List<HeaderMatcher> headers = new ArrayList<>(match.getHeadersCount() + 1);
        if (match.hasGrpc()) {
            Messages.requireOnly(match.getGrpc(), where + ": grpc", Set.of(), Set.of());
            headers.add(HeaderMatcher.prefix("content-type", "application/grpc"));
        }
        for (io.envoyproxy.envoy.config.route.v3.HeaderMatcher header : match.getHeadersList()) {
            headers.add(header(header, where));
        }
        List<QueryParameterMatcher> queries = new ArrayList<>(match.getQueryParametersCount());
        for (io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher query : match.getQueryParametersList()) {
            queries.add(queryParameter(query, where));
        }
        return Messages.build(where, () -> new RouteMatch(path, caseSensitive, headers, queries));
    }

    /** The path equals the prefix or continues with '/' after it; the query string is not part of the match. */
    private static PathMatcher pathSeparatedPrefix(String prefix, boolean caseSensitive, String where)
            throws TranslationException {
        String at = where + ": path_separated_prefix '" + prefix + "'";
        if (prefix.isEmpty() || prefix.charAt(0) != '/' || prefix.endsWith("/") || prefix.indexOf('?') >= 0
                || prefix.indexOf('#') >= 0) {
            throw new TranslationException(at + " (expected: starting with '/', not ending with '/', without '?' or '#')");
        }
        return new PathMatcher.Regex(Messages.compile(Pattern.quote(prefix) + "(?:/.*)?",
                Pattern.DOTALL | (caseSensitive ? 0 : IGNORE_CASE), at));
    }

    private static RouteAction action(io.envoyproxy.envoy.config.route.v3.RouteAction action, String where)
            throws TranslationException {
        Messages.requireOnly(action, where, ACTION_FIELDS, Set.of());
        RouteAction translated = RoutePolicyTranslator.apply(action, destinations(action, where), where);
        if (action.getRequestMirrorPoliciesCount() > 0) {
            translated = translated.withMirrors(MirrorTranslator.translate(action.getRequestMirrorPoliciesList(),
                    where));
        }
        return action.getHashPolicyCount() == 0 ? translated
                : translated.withHashPolicies(HashPolicyTranslator.translate(action.getHashPolicyList(), where));
    }

    private static RouteAction destinations(io.envoyproxy.envoy.config.route.v3.RouteAction action, String where)
            throws TranslationException {
        return switch (action.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (action.getCluster().isEmpty()) {
                    throw new TranslationException(where + ": cluster is empty (expected: a cluster name)");
                }
                yield RouteAction.cluster(action.getCluster());
            }
            case WEIGHTED_CLUSTERS -> {
                List<WeightedCluster> clusters = weightedClusters(action.getWeightedClusters(),
                        where + ": weighted_clusters");
                yield Messages.build(where + ": weighted_clusters", () -> new RouteAction(clusters));
            }
            case CLUSTERSPECIFIER_NOT_SET -> throw new TranslationException(where
                    + ": no destination (expected: cluster or weighted_clusters)");
            default -> throw new TranslationException(where + ": " + Messages.lower(action.getClusterSpecifierCase()) + " unsupported (expected: cluster or weighted_clusters)");
        };
    }

    private static List<WeightedCluster> weightedClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster weighted,
            String where) throws TranslationException {
        Messages.requireOnly(weighted, where, WEIGHTED_FIELDS, Set.of());
        List<WeightedCluster> clusters = new ArrayList<>(weighted.getClustersCount());
        long total = 0;
        for (ClusterWeight cluster : weighted.getClustersList()) {
            String clusterWhere = where + ": cluster " + cluster.getName();
            Messages.requireOnly(cluster, clusterWhere, CLUSTER_WEIGHT_FIELDS, Set.of());
            long weight = cluster.hasWeight() ? Integer.toUnsignedLong(cluster.getWeight().getValue()) : 0;
            if (weight > Integer.MAX_VALUE) {
                throw new TranslationException(clusterWhere + ": weight " + weight + " (expected: 0.."
                        + Integer.MAX_VALUE + ")");
            }
            total += weight;
            HeaderMutations request = RouteMutationsTranslator.headers(cluster.getRequestHeadersToAddList(),
                    cluster.getRequestHeadersToRemoveList(), clusterWhere + ": request_headers_to_add");
            HeaderMutations response = RouteMutationsTranslator.headers(cluster.getResponseHeadersToAddList(),
                    cluster.getResponseHeadersToRemoveList(), clusterWhere + ": response_headers_to_add");
            clusters.add(Messages.build(clusterWhere, () -> new WeightedCluster(cluster.getName(), (int) weight,
                    request, response)));
        }
        if (weighted.hasTotalWeight() && Integer.toUnsignedLong(weighted.getTotalWeight().getValue()) != total) {
            throw new TranslationException(where + ": total_weight "
                    + Integer.toUnsignedLong(weighted.getTotalWeight().getValue())
                    + " (expected: the sum of the cluster weights, " + total + ")");
        }
        return clusters;
    }

    private static HeaderMatcher header(io.envoyproxy.envoy.config.route.v3.HeaderMatcher header, String parent)
            throws TranslationException {
        String name = header.getName();
        String where = parent + ": header " + name;
        if (name.isEmpty()) {
            throw new TranslationException(parent + ": header matcher without name (expected: a header name)");
        }
        Messages.requireOnly(header, where, HEADER_FIELDS, Set.of());
        HeaderMatcher matcher = switch (header.getHeaderMatchSpecifierCase()) {
            case EXACT_MATCH -> HeaderMatcher.exact(name, header.getExactMatch());
            case PREFIX_MATCH -> HeaderMatcher.prefix(name, header.getPrefixMatch());
            case SUFFIX_MATCH -> HeaderMatcher.suffix(name, header.getSuffixMatch());
            case CONTAINS_MATCH -> HeaderMatcher.contains(name, header.getContainsMatch());
            case SAFE_REGEX_MATCH -> regexHeader(name, regex(header.getSafeRegexMatch(), where + ": safe_regex_match"));
            case PRESENT_MATCH -> header.getPresentMatch() ? HeaderMatcher.present(name) : HeaderMatcher.absent(name);
            case STRING_MATCH -> stringMatchHeader(name, header.getStringMatch(), where + ": string_match");
            case HEADERMATCHSPECIFIER_NOT_SET -> HeaderMatcher.present(name);
            default -> throw new TranslationException(where + ": " + Messages.lower(header.getHeaderMatchSpecifierCase()) + " unsupported (expected: string_match or present_match)");
        };
        return header.getInvertMatch() ? matcher.inverted() : matcher;
    }

    static HeaderMatcher stringMatchHeader(String name, StringMatcher match, String where)
            throws TranslationException {
        Messages.requireOnly(match, where, STRING_MATCH_FIELDS, Set.of());
        if (match.getIgnoreCase() && match.getMatchPatternCase() != StringMatcher.MatchPatternCase.SAFE_REGEX) {
            return regexHeader(name, caseInsensitive(match, where));
        }
        return switch (match.getMatchPatternCase()) {
            case EXACT -> HeaderMatcher.exact(name, match.getExact());
            case PREFIX -> HeaderMatcher.prefix(name, match.getPrefix());
            case SUFFIX -> HeaderMatcher.suffix(name, match.getSuffix());
            case CONTAINS -> HeaderMatcher.contains(name, match.getContains());
            case SAFE_REGEX -> regexHeader(name, regex(match.getSafeRegex(), where + ": safe_regex"));
            default -> throw unsupportedPattern(match, where);
        };
    }

    private static QueryParameterMatcher queryParameter(io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher query,
            String parent) throws TranslationException {
        String name = query.getName();
        String where = parent + ": query_parameter " + name;
        if (name.isEmpty()) {
            throw new TranslationException(parent + ": query parameter matcher without name (expected: a name)");
        }
        Messages.requireOnly(query, where, QUERY_FIELDS, Set.of());
        return switch (query.getQueryParameterMatchSpecifierCase()) {
            case STRING_MATCH -> {
                StringMatcher match = query.getStringMatch();
                String matchWhere = where + ": string_match";
                Messages.requireOnly(match, matchWhere, STRING_MATCH_FIELDS, Set.of());
                if (match.getMatchPatternCase() == StringMatcher.MatchPatternCase.EXACT && !match.getIgnoreCase()) {
                    yield QueryParameterMatcher.exact(name, match.getExact());
                }
                Pattern pattern = switch (match.getMatchPatternCase()) {
                    case SAFE_REGEX -> regex(match.getSafeRegex(), matchWhere + ": safe_regex");
                    case EXACT, PREFIX, SUFFIX, CONTAINS -> match.getIgnoreCase()
                            ? caseInsensitive(match, matchWhere)
                            : Pattern.compile(literalRegex(match), Pattern.DOTALL);
                    default -> throw unsupportedPattern(match, matchWhere);
                };
                yield new QueryParameterMatcher(name, QueryParameterMatcher.Kind.REGEX, null, pattern);
            }
            case PRESENT_MATCH -> {
                if (!query.getPresentMatch()) {
                    throw new TranslationException(where + ": present_match false unsupported (expected: true)");
                }
                yield QueryParameterMatcher.present(name);
            }
            case QUERYPARAMETERMATCHSPECIFIER_NOT_SET -> QueryParameterMatcher.present(name);
        };
    }

    private static HeaderMatcher regexHeader(String name, Pattern pattern) {
        return new HeaderMatcher(name, HeaderMatcher.Kind.REGEX, null, pattern, true, false);
    }

    /** An exact, prefix, suffix or contains match that ignores case, as a whole-value regular expression. */
    private static Pattern caseInsensitive(StringMatcher match, String where) throws TranslationException {
        if (match.getMatchPatternCase() == StringMatcher.MatchPatternCase.MATCHPATTERN_NOT_SET
                || match.getMatchPatternCase() == StringMatcher.MatchPatternCase.CUSTOM) {
            throw unsupportedPattern(match, where);
        }
        return Pattern.compile(literalRegex(match), Pattern.DOTALL | IGNORE_CASE);
    }

    private static String literalRegex(StringMatcher match) {
        return switch (match.getMatchPatternCase()) {
            case EXACT -> Pattern.quote(match.getExact());
            case PREFIX -> Pattern.quote(match.getPrefix()) + ".*";
            case SUFFIX -> ".*" + Pattern.quote(match.getSuffix());
            case CONTAINS -> ".*" + Pattern.quote(match.getContains()) + ".*";
            default -> throw new IllegalStateException("not a literal string match: " + match.getMatchPatternCase());
        };
    }

    private static TranslationException unsupportedPattern(StringMatcher match, String where) {
        String pattern = match.getMatchPatternCase() == StringMatcher.MatchPatternCase.MATCHPATTERN_NOT_SET
                ? "no pattern" : Messages.lower(match.getMatchPatternCase()) + " unsupported";
        return new TranslationException(where + ": " + pattern
                + " (expected: exact, prefix, suffix, contains or safe_regex)");
    }

    private static Pattern regex(RegexMatcher regex, String where) throws TranslationException {
        Messages.requireOnly(regex, where, REGEX_FIELDS, REGEX_IGNORED);
        return Messages.compile(regex.getRegex(), 0, where);
    }
}
