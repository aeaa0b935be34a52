package dev.skiff.controlplane.authn;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import dev.skiff.api.security.v1beta1.ClaimToHeader;
import dev.skiff.api.security.v1beta1.JWTHeader;
import dev.skiff.api.security.v1beta1.JWTRule;
import dev.skiff.api.security.v1beta1.RequestAuthentication;
import dev.skiff.controlplane.authz.JwtMatchers;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementAndList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Istio's translation of the RequestAuthentications of a workload into Envoy's JWT authentication HTTP filter
 * ({@value JwtMatchers#JWT_FILTER}) for its inbound HTTP connection managers, placed before the RBAC filters.
 *
 * <p>The policies that apply are selected as Istio selects them for a sidecar: those of the root namespace
 * {@value MeshSnapshot#ROOT_NAMESPACE} (mesh-wide without a selector, else where the selector matches) and those of the
 * workload's namespace (namespace-wide without a selector, else where it matches); policies with
 * {@code targetRef}/{@code targetRefs} bind gateways and waypoints and never apply to a sidecar. Their JWT rules,
 * sorted by issuer, become the providers {@code origins-<i>}: issuer, audiences, token locations, forwarding,
 * outputs, {@code payload_in_metadata: payload} (what RBAC matches {@code request.auth.*} against) and the claims
 * normalized as space-delimited ({@code scope}, {@code permission} and the rule's own). Keys come inline
 * ({@code local_jwks}) from {@code jwks}, else from {@code jwksUri} ({@code remote_jwks}, cached 5 minutes, fetched
 * within the rule's timeout, 5 s by default).
 *
 * <p>The requirement is Istio's: with one provider, "that provider or no token" ({@code requires_any} of the provider
 * and {@code allow_missing}); with several, "any one provider, or for every provider: that provider or no token".
 * So a request without a token passes unauthenticated (RBAC decides), and one with a token that fails verification
 * is refused with 401. CORS preflight requests bypass the filter.
 */
public final class JwtAuthnFilterGenerator {

    /** The key of the verified payload in the filter's dynamic metadata. */
    public static final String PAYLOAD = JwtMatchers.PAYLOAD;

    private static final Duration DEFAULT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();
    private static final Duration CACHE_DURATION = Duration.newBuilder().setSeconds(300).build();
    private static final List<String> SPACE_DELIMITED = List.of("permission", "scope");

    private JwtAuthnFilterGenerator() {
    }

    /** The JWT filter for a workload, when a RequestAuthentication with JWT rules applies to it. */
    public static Optional<HttpFilter> generate(List<ConfigObject> policies, String namespace,
            Map<String, String> labels) {
        List<JWTRule> rules = new ArrayList<>();
        for (ConfigObject policy : applying(policies, namespace, labels)) {
            rules.addAll(policy.spec(RequestAuthentication.class).getJwtRulesList());
        }
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        rules.sort(Comparator.comparing(JWTRule::getIssuer));
        JwtAuthentication.Builder config = JwtAuthentication.newBuilder().setBypassCorsPreflight(true);
        List<JwtRequirement> each = new ArrayList<>();
        List<JwtRequirement> any = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String name = "origins-" + i;
            config.putProviders(name, provider(rules.get(i)));
            JwtRequirement provider = JwtRequirement.newBuilder().setProviderName(name).build();
            any.add(provider);
            each.add(JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                    .addRequirements(provider)
                    .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())))
                    .build());
        }
        JwtRequirement requirement = each.size() == 1 ? each.getFirst() : JwtRequirement.newBuilder()
                .setRequiresAny(JwtRequirementOrList.newBuilder().addAllRequirements(any)
                        .addRequirements(JwtRequirement.newBuilder().setRequiresAll(
                                JwtRequirementAndList.newBuilder().addAllRequirements(each))))
                .build();
        config.addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRequires(requirement));
        return Optional.of(HttpFilter.newBuilder().setName(JwtMatchers.JWT_FILTER)
                .setTypedConfig(Any.pack(config.build())).build());
    }

    /** The policies that apply to a workload, root-namespace ones first, each namespace's in name order. */
    static List<ConfigObject> applying(List<ConfigObject> policies, String namespace, Map<String, String> labels) {
        List<ConfigObject> applying = new ArrayList<>();
        List<ConfigObject> sorted = new ArrayList<>(policies);
        sorted.sort(Comparator.comparing((ConfigObject policy) -> policy.key().namespace())
                .thenComparing(policy -> policy.key().name()));
        for (String scope : namespace.equals(MeshSnapshot.ROOT_NAMESPACE) ? List.of(namespace)
                : List.of(MeshSnapshot.ROOT_NAMESPACE, namespace)) {
            for (ConfigObject policy : sorted) {
                RequestAuthentication spec = policy.spec(RequestAuthentication.class);
                if (policy.key().namespace().equals(scope) && !spec.hasTargetRef() && spec.getTargetRefsCount() == 0
                        && Labels.matches(spec.getSelector().getMatchLabelsMap(), labels)) {
                    applying.add(policy);
                }
            }
        }
        return applying;
    }

    private static JwtProvider provider(JWTRule rule) {
        JwtProvider.Builder provider = JwtProvider.newBuilder()
                .setIssuer(rule.getIssuer())
                .addAllAudiences(rule.getAudiencesList())
                .setForward(rule.getForwardOriginalToken())
                .setForwardPayloadHeader(rule.getOutputPayloadToHeader())
                .setPayloadInMetadata(PAYLOAD)
                .setNormalizePayloadInMetadata(JwtProvider.NormalizePayload.newBuilder()
                        .addAllSpaceDelimitedClaims(spaceDelimited(rule.getSpaceDelimitedClaimsList())))
                .addAllFromParams(rule.getFromParamsList())
                .addAllFromCookies(rule.getFromCookiesList());
        for (ClaimToHeader output : rule.getOutputClaimToHeadersList()) {
            provider.addClaimToHeaders(JwtClaimToHeader.newBuilder().setHeaderName(output.getHeader())
                    .setClaimName(output.getClaim()));
        }
        for (JWTHeader header : rule.getFromHeadersList()) {
            provider.addFromHeaders(JwtHeader.newBuilder().setName(header.getName())
                    .setValuePrefix(header.getPrefix()));
        }
        if (!rule.getJwks().isEmpty()) {
            provider.setLocalJwks(DataSource.newBuilder().setInlineString(rule.getJwks()));
        } else {
            provider.setRemoteJwks(RemoteJwks.newBuilder()
                    .setHttpUri(HttpUri.newBuilder().setUri(rule.getJwksUri()).setCluster(cluster(rule.getJwksUri()))
                            .setTimeout(rule.hasTimeout() ? rule.getTimeout() : DEFAULT_TIMEOUT))
                    .setCacheDuration(CACHE_DURATION));
        }
        return provider.build();
    }

    private static List<String> spaceDelimited(List<String> claims) {
        TreeSet<String> all = new TreeSet<>(SPACE_DELIMITED);
        all.addAll(claims);
        return List.copyOf(all);
    }

    /** The outbound cluster of the JWKS server, {@code outbound|<port>||<host>}, as Istio names it. */
    private static String cluster(String jwksUri) {
        URI uri = URI.create(jwksUri);
        int port = uri.getPort() > 0 ? uri.getPort()
                : uri.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
        return "outbound|" + port + "||" + uri.getHost();
    }
}
