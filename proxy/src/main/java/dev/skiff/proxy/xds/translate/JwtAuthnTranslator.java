package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.authn.JwksFetcher;
import dev.skiff.proxy.authn.JwtAuthnFilter;
import dev.skiff.proxy.authn.JwtAuthnSpec;
import dev.skiff.proxy.authn.JwtProvider;
import dev.skiff.proxy.authn.JwtRequirement;
import dev.skiff.proxy.authn.LocalJwks;
import dev.skiff.proxy.authn.JwksSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Translates Envoy's JWT authentication filter ({@code envoy.filters.http.jwt_authn}) into a {@link JwtAuthnSpec}:
 * providers with inline or remote key sets, token locations, outputs and payload metadata, and one rule for every
 * path whose requirement combines provider names, {@code requires_any}, {@code requires_all}, {@code allow_missing}
 * and {@code allow_missing_or_failed}. What the proxy does not implement is rejected with its field: per-path rules,
 * requirement maps and filter-state rules, subjects, lifetimes, the JWT cache, metadata of headers or failures,
 * padding, route cache clearing, key fetch retries and asynchronous fetching. Remote key sets are fetched from their
 * URL directly; the named cluster is not used.
 */
final class JwtAuthnTranslator {
    private static final Set<String> FILTER_FIELDS = Set.of("providers", "rules", "bypass_cors_preflight");
    private static final Set<String> FILTER_IGNORED = Set.of("stat_prefix");
    private static final Set<String> PROVIDER_FIELDS = Set.of("issuer", "audiences", "remote_jwks", "local_jwks",
            "forward", "from_headers", "from_params", "from_cookies", "forward_payload_header",
            "payload_in_metadata", "normalize_payload_in_metadata", "clock_skew_seconds", "claim_to_headers",
            "require_expiration");
    private static final Set<String> REMOTE_FIELDS = Set.of("http_uri", "cache_duration");
    private static final Set<String> HTTP_URI_FIELDS = Set.of("uri", "cluster", "timeout");
    private static final Set<String> RULE_FIELDS = Set.of("match", "requires");
    private static final Set<String> MATCH_FIELDS = Set.of("prefix");
    private static final long DEFAULT_CLOCK_SKEW_SECONDS = 60;
    private static final Duration DEFAULT_CACHE_DURATION = Duration.ofMinutes(5);

    private JwtAuthnTranslator() {
    }

    /** Whether {@code filter} is a JWT authentication filter. */
    static boolean isJwtAuthn(HttpFilter filter) {
        return filter.hasTypedConfig() && filter.getTypedConfig().is(JwtAuthentication.class);
    }

    /**
     * The JWT authentication filter of an HCM's filter list, null when it has none. It must come before every RBAC
     * filter (the proxy authenticates before it authorizes) and appear once.
     */
    static JwtAuthnSpec fromFilters(List<HttpFilter> filters, String where) throws TranslationException {
        JwtAuthnSpec spec = null;
        boolean rbacSeen = false;
        for (HttpFilter filter : filters) {
            String at = where + ": http filter " + filter.getName();
            if (filter.hasTypedConfig() && filter.getTypedConfig()
                    .is(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)) {
                rbacSeen = true;
            }
            if (!isJwtAuthn(filter)) {
                continue;
            }
            if (spec != null || rbacSeen) {
                throw new TranslationException(at + ": " + (spec != null ? "a second JWT authentication filter"
                        : "after an RBAC filter") + " (expected: one " + JwtAuthnFilter.NAME
                        + " before the RBAC filters)");
            }
            spec = translate(Messages.unpack(filter.getTypedConfig(), JwtAuthentication.class, at), at);
        }
        return spec;
    }

    static JwtAuthnSpec translate(JwtAuthentication config, String where) throws TranslationException {
        Messages.requireOnly(config, where, FILTER_FIELDS, FILTER_IGNORED);
        Map<String, JwtProvider> providers = new TreeMap<>();
        for (Map.Entry<String, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider> entry
                : new TreeMap<>(config.getProvidersMap()).entrySet()) {
            providers.put(entry.getKey(), provider(entry.getKey(), entry.getValue(),
                    where + ": providers[" + entry.getKey() + "]"));
        }
        if (config.getRulesCount() != 1) {
            throw new TranslationException(where + ": " + config.getRulesCount() + " rules (expected: exactly one"
                    + " rule, matching prefix /; per-path rules are not supported)");
        }
        RequirementRule rule = config.getRules(0);
        String at = where + ": rules[0]";
        Messages.requireOnly(rule, at, RULE_FIELDS, Set.of());
        RouteMatch match = rule.getMatch();
        Messages.requireOnly(match, at + ": match", MATCH_FIELDS, Set.of());
        if (!match.getPrefix().equals("/")) {
            throw new TranslationException(at + ": match prefix \"" + match.getPrefix() + "\" (expected: prefix /;"
                    + " per-path rules are not supported)");
        }
        if (!rule.hasRequires()) {
            throw new TranslationException(at + ": no requires (expected: a requirement)");
        }
        JwtRequirement requirement = requirement(rule.getRequires(), providers.keySet(), at + ": requires");
        return new JwtAuthnSpec(providers, requirement, config.getBypassCorsPreflight());
    }

    private static JwtProvider provider(String name,
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider provider, String where)
            throws TranslationException {
        Messages.requireOnly(provider, where, PROVIDER_FIELDS, Set.of());
        List<JwtProvider.HeaderLocation> headers = new ArrayList<>();
        for (int i = 0; i < provider.getFromHeadersCount(); i++) {
            JwtHeader header = provider.getFromHeaders(i);
            headers.add(new JwtProvider.HeaderLocation(headerName(header.getName(),
                    where + ": from_headers[" + i + "].name"), header.getValuePrefix()));
        }
        List<String> params = provider.getFromParamsList();
        if (headers.isEmpty() && params.isEmpty() && provider.getFromCookiesCount() == 0) {
            headers.add(new JwtProvider.HeaderLocation("authorization", "Bearer "));
            params = List.of("access_token");
        }
        List<JwtProvider.ClaimToHeader> claims = new ArrayList<>();
        for (int i = 0; i < provider.getClaimToHeadersCount(); i++) {
            JwtClaimToHeader claim = provider.getClaimToHeaders(i);
            if (claim.getClaimName().isEmpty()) {
                throw new TranslationException(where + ": claim_to_headers[" + i + "].claim_name is empty"
                        + " (expected: a claim name)");
            }
            claims.add(new JwtProvider.ClaimToHeader(headerName(claim.getHeaderName(),
                    where + ": claim_to_headers[" + i + "].header_name"), claim.getClaimName()));
        }
        Set<String> spaceDelimited = new HashSet<>(
                provider.getNormalizePayloadInMetadata().getSpaceDelimitedClaimsList());
        String payloadHeader = provider.getForwardPayloadHeader().isEmpty() ? ""
                : headerName(provider.getForwardPayloadHeader(), where + ": forward_payload_header");
        long skew = provider.getClockSkewSeconds() == 0 ? DEFAULT_CLOCK_SKEW_SECONDS
                : Integer.toUnsignedLong(provider.getClockSkewSeconds());
        return new JwtProvider(name, provider.getIssuer(), provider.getAudiencesList(), jwks(provider, where),
                provider.getForward(), headers, params, provider.getFromCookiesList(), payloadHeader,
                provider.getPayloadInMetadata(), spaceDelimited, claims, skew, provider.getRequireExpiration());
    }

    private static JwksSource jwks(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider provider,
            String where) throws TranslationException {
        return switch (provider.getJwksSourceSpecifierCase()) {
            case LOCAL_JWKS -> {
                DataSource source = provider.getLocalJwks();
                if (source.getSpecifierCase() != DataSource.SpecifierCase.INLINE_STRING) {
                    throw new TranslationException(where + ": local_jwks." + source.getSpecifierCase().name()
                            .toLowerCase(Locale.ROOT) + " unsupported (expected: inline_string)");
                }
                try {
                    yield new LocalJwks(source.getInlineString());
                } catch (ParseException e) {
                    throw new TranslationException(where + ": local_jwks is not a JSON Web Key Set: "
                            + e.getMessage() + " (expected: {\"keys\": [...]})");
                }
            }
            case REMOTE_JWKS -> remote(provider.getRemoteJwks(), where + ": remote_jwks");
            case JWKSSOURCESPECIFIER_NOT_SET -> throw new TranslationException(where + ": no keys (expected:"
                    + " local_jwks or remote_jwks)");
        };
    }

    private static JwksSource remote(RemoteJwks remote, String where) throws TranslationException {
        Messages.requireOnly(remote, where, REMOTE_FIELDS, Set.of());
        HttpUri httpUri = remote.getHttpUri();
        Messages.requireOnly(httpUri, where + ": http_uri", HTTP_URI_FIELDS, Set.of());
        URI uri;
        try {
            uri = new URI(httpUri.getUri());
        } catch (URISyntaxException e) {
            throw new TranslationException(where + ": http_uri.uri \"" + httpUri.getUri() + "\" is not a URL: "
                    + e.getReason() + " (expected: an http or https URL)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new TranslationException(where + ": http_uri.uri \"" + httpUri.getUri() + "\" (expected: an"
                    + " http or https URL with a host)");
        }
        if (!httpUri.hasTimeout()) {
            throw new TranslationException(where + ": http_uri.timeout missing (expected: a timeout)");
        }
        Duration timeout = Durations.of(httpUri.getTimeout(), where + ": http_uri.timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new TranslationException(where + ": http_uri.timeout " + Durations.format(timeout)
                    + " (expected: > 0)");
        }
        Duration cache = remote.hasCacheDuration()
                ? Durations.of(remote.getCacheDuration(), where + ": cache_duration") : DEFAULT_CACHE_DURATION;
        if (cache.isNegative() || cache.isZero()) {
            throw new TranslationException(where + ": cache_duration " + Durations.format(cache)
                    + " (expected: > 0)");
        }
        return JwksFetcher.shared().remote(uri, timeout, cache);
    }

    private static JwtRequirement requirement(
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement requirement,
            Set<String> providers, String where) throws TranslationException {
        return switch (requirement.getRequiresTypeCase()) {
            case PROVIDER_NAME -> new JwtRequirement.Provider(known(requirement.getProviderName(), providers,
                    where + ": provider_name"), null);
            case PROVIDER_AND_AUDIENCES -> new JwtRequirement.Provider(known(requirement.getProviderAndAudiences()
                    .getProviderName(), providers, where + ": provider_and_audiences.provider_name"),
                    requirement.getProviderAndAudiences().getAudiencesList());
            case REQUIRES_ANY -> new JwtRequirement.RequiresAny(requirements(
                    requirement.getRequiresAny().getRequirementsList(), providers, where + ": requires_any"));
            case REQUIRES_ALL -> new JwtRequirement.RequiresAll(requirements(
                    requirement.getRequiresAll().getRequirementsList(), providers, where + ": requires_all"));
            case ALLOW_MISSING -> new JwtRequirement.AllowMissing();
            case ALLOW_MISSING_OR_FAILED -> new JwtRequirement.AllowMissingOrFailed();
            case REQUIRESTYPE_NOT_SET -> throw new TranslationException(where + ": empty requirement (expected:"
                    + " provider_name, provider_and_audiences, requires_any, requires_all, allow_missing or"
                    + " allow_missing_or_failed)");
        };
    }

    private static List<JwtRequirement> requirements(
            List<io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement> requirements,
            Set<String> providers, String where) throws TranslationException {
        if (requirements.size() < 2) {
            throw new TranslationException(where + ": " + requirements.size() + " requirements (expected: at"
                    + " least 2)");
        }
        List<JwtRequirement> translated = new ArrayList<>();
        for (int i = 0; i < requirements.size(); i++) {
            translated.add(requirement(requirements.get(i), providers, where + "[" + i + "]"));
        }
        return translated;
    }

    private static String known(String name, Set<String> providers, String where) throws TranslationException {
        if (!providers.contains(name)) {
            throw new TranslationException(where + ": \"" + name + "\" is not a provider (expected one of: "
                    + providers + ")");
        }
        return name;
    }

    private static String headerName(String name, String where) throws TranslationException {
        if (name.isEmpty() || name.startsWith(":")) {
            throw new TranslationException(where + ": \"" + name + "\" (expected: a header name, not a"
                    + " pseudo-header)");
        }
        return name.toLowerCase(Locale.ROOT);
    }
}
