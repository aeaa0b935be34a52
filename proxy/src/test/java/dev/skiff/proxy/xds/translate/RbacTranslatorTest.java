package dev.skiff.proxy.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.authz.RbacAttributes;
import dev.skiff.proxy.authz.RbacRules;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.Builder;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The RBAC filter configuration Istio generates, translated and evaluated against requests. */
class RbacTranslatorTest {

    /** A request as RBAC sees it. */
    private record Request(String principal, String source, int port, String method, String path, String host,
                           Map<String, String> headers) implements RbacAttributes {
        @Override
        public byte[] sourceAddress() {
            return InetAddress.ofLiteral(source).getAddress();
        }

        @Override
        public byte[] remoteAddress() {
            return sourceAddress();
        }

        @Override
        public byte[] destinationAddress() {
            return InetAddress.ofLiteral("127.0.47.1").getAddress();
        }

        @Override
        public int destinationPort() {
            return port;
        }

        @Override
        public String requestedServerName() {
            return null;
        }

        @Override
        public String header(String lowerCaseName) {
            return switch (lowerCaseName) {
                case ":method" -> method;
                case ":authority" -> host;
                default -> headers.get(lowerCaseName);
            };
        }
    }

    private static final String CLIENT = "spiffe://cluster.local/ns/default/sa/client";

    private static Request get(String path) {
        return new Request(CLIENT, "10.1.2.3", 9080, "GET", path, "Reviews.Example.com", Map.of());
    }

    private static Principal orIds(Principal... ids) {
        return Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(java.util.List.of(ids))).build();
    }

    private static Permission orRules(Permission... rules) {
        return Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(java.util.List.of(rules)))
                .build();
    }

    private static Principal principalName(StringMatcher matcher) {
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                .setPrincipalName(matcher)).build();
    }

    private static Permission path(StringMatcher matcher) {
        return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(matcher)).build();
    }

    private static io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC filter(RBAC.Action action,
            Map<String, Policy> policies) {
        Builder filter = io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder();
        filter.setRules(RBAC.newBuilder().setAction(action).putAllPolicies(policies));
        return filter.build();
    }

    @Test
    void denyMatchesPrefixedPathsOfTheClientPrincipalExceptTheNotForms() throws Exception {
        Policy noAdmin = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(orRules(path(StringMatcher.newBuilder().setPrefix("/admin").build())))
                        .addRules(Permission.newBuilder().setNotRule(orRules(path(StringMatcher.newBuilder()
                                .setSuffix("/public").build()))))))
                .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                        .addIds(orIds(principalName(StringMatcher.newBuilder().setExact(CLIENT).build())))))
                .build();

        RbacRules rules = RbacTranslator.translate(filter(RBAC.Action.DENY, Map.of("ns[x]-policy[y]-rule[0]",
                noAdmin)), "rbac");

        assertThat(rules.action()).isEqualTo(RbacRules.Action.DENY);
        assertThat(rules.permits(get("/admin/users"))).isFalse();
        assertThat(rules.permits(get("/admin"))).isFalse();
        assertThat(rules.permits(get("/admin/public"))).isTrue();
        assertThat(rules.permits(get("/reviews"))).isTrue();
        assertThat(rules.permits(new Request("spiffe://cluster.local/ns/default/sa/other", "10.1.2.3", 9080, "GET",
                "/admin", "reviews", Map.of()))).isTrue();
        assertThat(rules.permits(new Request(null, "10.1.2.3", 9080, "GET", "/admin", "reviews", Map.of())))
                .isTrue();
        assertThat(rules.firstMatch(get("/admin")).name()).isEqualTo("ns[x]-policy[y]-rule[0]");
    }

    @Test
    void allowNeedsAMatchingPolicyWithHostsMethodsPortsNamespacesAndIpBlocks() throws Exception {
        Policy reads = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(orRules(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder()
                                .setName(":authority").setStringMatch(StringMatcher.newBuilder()
                                        .setSuffix(".example.com").setIgnoreCase(true))).build()))
                        .addRules(orRules(Permission.newBuilder().setDestinationPort(9080).build()))
                        .addRules(orRules(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder()
                                .setName(":method").setStringMatch(StringMatcher.newBuilder().setExact("GET")))
                                .build()))))
                .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                        .addIds(orIds(principalName(StringMatcher.newBuilder().setSafeRegex(RegexMatcher
                                .newBuilder().setRegex(".*/ns/\\Qdefault\\E/.*")).build())))
                        .addIds(Principal.newBuilder().setNotId(orIds(Principal.newBuilder().setDirectRemoteIp(
                                CidrRange.newBuilder().setAddressPrefix("10.9.0.0")
                                        .setPrefixLen(UInt32Value.of(16))).build())))
                        .addIds(orIds(Principal.newBuilder().setHeader(HeaderMatcher.newBuilder()
                                .setName("X-Tenant").setStringMatch(StringMatcher.newBuilder().setSafeRegex(
                                        RegexMatcher.newBuilder().setRegex(".+")))).build()))))
                .build();

        RbacRules rules = RbacTranslator.translate(filter(RBAC.Action.ALLOW, Map.of("reads", reads)), "rbac");

        Map<String, String> tenant = Map.of("x-tenant", "blue");
        assertThat(rules.permits(new Request(CLIENT, "10.1.2.3", 9080, "GET", "/", "reviews.EXAMPLE.com", tenant)))
                .isTrue();
        assertThat(rules.permits(new Request(CLIENT, "10.1.2.3", 9080, "POST", "/", "reviews.example.com", tenant)))
                .isFalse();
        assertThat(rules.permits(new Request(CLIENT, "10.1.2.3", 9081, "GET", "/", "reviews.example.com", tenant)))
                .isFalse();
        assertThat(rules.permits(new Request(CLIENT, "10.9.2.3", 9080, "GET", "/", "reviews.example.com", tenant)))
                .isFalse();
        assertThat(rules.permits(new Request(CLIENT, "10.1.2.3", 9080, "GET", "/", "reviews.example.com",
                Map.of()))).isFalse();
        assertThat(rules.permits(new Request("spiffe://cluster.local/ns/other/sa/client", "10.1.2.3", 9080, "GET",
                "/", "reviews.example.com", tenant))).isFalse();
        assertThat(RbacTranslator.translate(filter(RBAC.Action.ALLOW, Map.of()), "rbac").permits(get("/")))
                .isFalse();
    }

    @Test
    void logNeverDenies() throws Exception {
        Policy all = Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setAny(true)).build();

        RbacRules rules = RbacTranslator.translate(filter(RBAC.Action.LOG, Map.of("all", all)), "rbac");

        assertThat(rules.permits(get("/"))).isTrue();
        assertThat(rules.firstMatch(get("/")).name()).isEqualTo("all");
    }

    @Test
    void aLogFilterMarksTheRequestsItMatchesAndRunsBeforeTheDenyAfterIt() throws Exception {
        Principal anyone = Principal.newBuilder().setAny(true).build();
        Policy audited = Policy.newBuilder().addPermissions(path(StringMatcher.newBuilder().setPrefix("/audited")
                .build())).addPrincipals(anyone).build();
        Policy secret = Policy.newBuilder().addPermissions(path(StringMatcher.newBuilder().setPrefix(
                "/audited/secret").build())).addPrincipals(anyone).build();
        java.util.List<RbacRules> filters = java.util.List.of(
                RbacTranslator.translate(filter(RBAC.Action.LOG, Map.of("ns[default]-policy[audit]-rule[0]",
                        audited)), "rbac"),
                RbacTranslator.translate(filter(RBAC.Action.DENY, Map.of("secret", secret)), "rbac"));

        assertThat(filters.getFirst().action()).isEqualTo(RbacRules.Action.LOG);
        assertThat(RbacRules.decide(filters, get("/audited/x")))
                .isEqualTo(RbacRules.LOG_EVALUATED | RbacRules.LOGGED);
        assertThat(RbacRules.decide(filters, get("/reviews"))).isEqualTo(RbacRules.LOG_EVALUATED);
        assertThat(RbacRules.decide(filters, get("/audited/secret")))
                .isEqualTo(RbacRules.LOG_EVALUATED | RbacRules.LOGGED | RbacRules.DENIED);
        assertThat(RbacRules.decide(filters.subList(1, 2), get("/reviews"))).isZero();
    }

    @Test
    void whatIstioDoesNotGenerateForSidecarsIsRejected() {
        Policy metadata = Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setMetadata(
                        io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.newBuilder().setFilter("istio_authn")))
                .build();
        assertThatThrownBy(() -> RbacTranslator.translate(filter(RBAC.Action.ALLOW, Map.of("jwt", metadata)),
                "rbac")).isInstanceOf(TranslationException.class).hasMessage("rbac: rules: policy jwt: principals[0]:"
                + " metadata: filter, path and value are required (expected e.g. filter envoy.filters.http.jwt_authn,"
                + " path [payload, sub] and a string_match)");
        Policy filterState = Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setFilterState(
                        io.envoyproxy.envoy.type.matcher.v3.FilterStateMatcher.newBuilder().setKey("k")))
                .build();
        assertThatThrownBy(() -> RbacTranslator.translate(filter(RBAC.Action.ALLOW, Map.of("fs", filterState)),
                "rbac")).isInstanceOf(TranslationException.class).hasMessage("rbac: rules: policy fs: principals[0]:"
                + " filter_state unsupported (expected: any, and_ids, or_ids, not_id, authenticated,"
                + " direct_remote_ip, remote_ip, header, url_path or metadata)");

        assertThatThrownBy(() -> RbacTranslator.translate(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC
                .newBuilder().setShadowRules(RBAC.getDefaultInstance()).build(), "rbac"))
                .isInstanceOf(TranslationException.class)
                .hasMessage("rbac: shadow_rules: unsupported (expected only: rules)");

        Policy noPrincipals = Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true)).build();
        assertThatThrownBy(() -> RbacTranslator.translate(filter(RBAC.Action.DENY, Map.of("p", noPrincipals)),
                "rbac")).isInstanceOf(TranslationException.class).hasMessage("rbac: rules: policy p: no principals"
                + " (expected: at least one permission and one principal)");

        Policy badRegex = Policy.newBuilder().addPermissions(path(StringMatcher.newBuilder().setSafeRegex(
                RegexMatcher.newBuilder().setRegex("(")).build())).addPrincipals(Principal.newBuilder().setAny(true))
                .build();
        assertThatThrownBy(() -> RbacTranslator.translate(filter(RBAC.Action.DENY, Map.of("p", badRegex)),
                "rbac")).isInstanceOf(TranslationException.class)
                .hasMessageStartingWith("rbac: rules: policy p: permissions[0]: url_path.path: safe_regex ( does"
                        + " not compile");
    }
}
