package dev.skiff.controlplane.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.config.ConfigParser;
import dev.skiff.controlplane.config.ParsedDocument;
import dev.skiff.controlplane.config.ParsedFile;
import dev.skiff.controlplane.model.AuthorizationPolicies;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.OrMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import org.junit.jupiter.api.Test;

/** AuthorizationPolicy YAML in, the RBAC HTTP filters Istio generates out. */
class RbacFilterGeneratorTest {
    private static final Map<String, String> REVIEWS = Map.of("app", "reviews");

    private static AuthorizationPolicies policies(String yaml) {
        ParsedFile file = new ConfigParser().parse("ap.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(file.readable()).isTrue();
        List<ConfigObject> objects = file.documents().stream().map(d -> {
            assertThat(d.errors()).isEmpty();
            return d.object();
        }).toList();
        assertThat(file.documents()).allMatch(ParsedDocument::valid);
        return AuthorizationPolicies.of(objects);
    }

    private static RBAC rules(HttpFilter filter) throws InvalidProtocolBufferException {
        assertThat(filter.getName()).isEqualTo("envoy.filters.http.rbac");
        return filter.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
                .getRules();
    }

    private static StringMatcher exact(String value) {
        return StringMatcher.newBuilder().setExact(value).build();
    }

    private static Principal principalName(StringMatcher matcher) {
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                .setPrincipalName(matcher)).build();
    }

    private static Principal anyOf(Principal... ids) {
        return Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(List.of(ids))).build();
    }

    private static Permission anyOf(Permission... rules) {
        return Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(List.of(rules))).build();
    }

    @Test
    void denyThenAllowWithIstiosMatchers() throws Exception {
        AuthorizationPolicies policies = policies("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-reads, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: reviews}
                  rules:
                  - from:
                    - source:
                        principals: [cluster.local/ns/default/sa/client, "*"]
                        notNamespaces: ["test-*"]
                    to:
                    - operation:
                        methods: [GET]
                        hosts: ["*.example.com"]
                        ports: ["9080"]
                    when:
                    - key: request.headers[x-tenant]
                      values: [blue]
                    - key: destination.ip
                      notValues: [10.0.0.0/8]
                ---
                apiVersion: security.istio.io/v1beta1
                kind: AuthorizationPolicy
                metadata: {name: no-admin, namespace: istio-system}
                spec:
                  action: DENY
                  rules:
                  - to:
                    - operation:
                        paths: ["/admin*"]
                        notPaths: ["*/public"]
                    from:
                    - source:
                        ipBlocks: [203.0.113.4]
                """);

        RbacFilterGenerator.Result result = RbacFilterGenerator.generate(policies.forWorkload("default", REVIEWS));

        assertThat(result.problems()).isEmpty();
        assertThat(result.filters()).hasSize(2);
        RBAC deny = rules(result.filters().get(0));
        assertThat(deny.getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(deny.getPoliciesMap()).containsOnlyKeys("ns[istio-system]-policy[no-admin]-rule[0]");
        Policy noAdmin = deny.getPoliciesOrThrow("ns[istio-system]-policy[no-admin]-rule[0]");
        assertThat(noAdmin.getPermissionsList()).containsExactly(Permission.newBuilder().setAndRules(
                Permission.Set.newBuilder()
                        .addRules(anyOf(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                                .setPath(StringMatcher.newBuilder().setPrefix("/admin"))).build()))
                        .addRules(Permission.newBuilder().setNotRule(anyOf(Permission.newBuilder()
                                .setUrlPath(PathMatcher.newBuilder().setPath(StringMatcher.newBuilder()
                                        .setSuffix("/public"))).build())))).build());
        assertThat(noAdmin.getPrincipalsList()).containsExactly(Principal.newBuilder().setAndIds(
                Principal.Set.newBuilder().addIds(anyOf(Principal.newBuilder().setDirectRemoteIp(CidrRange.newBuilder()
                        .setAddressPrefix("203.0.113.4").setPrefixLen(com.google.protobuf.UInt32Value.of(32)))
                        .build()))).build());

        RBAC allow = rules(result.filters().get(1));
        assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
        Policy reads = allow.getPoliciesOrThrow("ns[default]-policy[allow-reads]-rule[0]");
        assertThat(reads.getPermissionsList()).containsExactly(Permission.newBuilder().setAndRules(
                Permission.Set.newBuilder()
                        .addRules(anyOf(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder()
                                .setName(":authority").setStringMatch(StringMatcher.newBuilder()
                                        .setSuffix(".example.com").setIgnoreCase(true))).build()))
                        .addRules(anyOf(Permission.newBuilder().setDestinationPort(9080).build()))
                        .addRules(anyOf(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder()
                                .setName(":method").setStringMatch(exact("GET"))).build()))
                        .addRules(Permission.newBuilder().setNotRule(anyOf(Permission.newBuilder()
                                .setDestinationIp(CidrRange.newBuilder().setAddressPrefix("10.0.0.0")
                                        .setPrefixLen(com.google.protobuf.UInt32Value.of(8))).build()))))
                .build());
        assertThat(reads.getPrincipalsList()).containsExactly(Principal.newBuilder().setAndIds(
                Principal.Set.newBuilder()
                        .addIds(anyOf(principalName(exact("spiffe://cluster.local/ns/default/sa/client")),
                                principalName(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                                        .setRegex(".+")).build())))
                        .addIds(Principal.newBuilder().setNotId(anyOf(principalName(StringMatcher.newBuilder()
                                .setSafeRegex(RegexMatcher.newBuilder().setRegex(".*/ns/\\Qtest-\\E[^/]*/.*"))
                                .build()))))
                        .addIds(anyOf(Principal.newBuilder().setHeader(HeaderMatcher.newBuilder()
                                .setName("x-tenant").setStringMatch(exact("blue"))).build())))
                .build());
    }

    @Test
    void selectionFollowsNamespacesAndSelectors() {
        AuthorizationPolicies policies = policies("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: mesh, namespace: istio-system}
                spec: {action: AUDIT, rules: [{}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: mesh-ratings, namespace: istio-system}
                spec:
                  selector: {matchLabels: {app: ratings}}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: namespace-wide, namespace: default}
                spec: {}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: other, namespace: other}
                spec: {}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: waypoint, namespace: default}
                spec:
                  targetRefs: [{kind: Gateway, name: waypoint}]
                """);

        assertThat(policies.forWorkload("default", REVIEWS)).extracting(AuthorizationPolicies.Policy::name)
                .containsExactly("mesh", "namespace-wide");
        assertThat(policies.forWorkload("other", Map.of("app", "ratings")))
                .extracting(AuthorizationPolicies.Policy::name).containsExactly("mesh", "mesh-ratings", "other");
        assertThat(policies.forWorkload("istio-system", Map.of())).extracting(AuthorizationPolicies.Policy::name)
                .containsExactly("mesh");
    }

    @Test
    void anAllowPolicyWithoutRulesDeniesEverythingAndAuditLogs() throws Exception {
        AuthorizationPolicies policies = policies("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing, namespace: default}
                spec: {}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: audit-all, namespace: default}
                spec: {action: AUDIT, rules: [{}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-nothing, namespace: default}
                spec: {action: DENY}
                """);

        RbacFilterGenerator.Result result = RbacFilterGenerator.generate(policies.forWorkload("default", REVIEWS));

        assertThat(result.filters()).hasSize(2);
        RBAC audit = rules(result.filters().get(0));
        assertThat(audit.getAction()).isEqualTo(RBAC.Action.LOG);
        assertThat(audit.getPoliciesMap()).containsExactly(Map.entry("ns[default]-policy[audit-all]-rule[0]",
                Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                        .addPrincipals(Principal.newBuilder().setAny(true)).build()));
        RBAC allow = rules(result.filters().get(1));
        assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
        assertThat(allow.getPoliciesMap()).isEmpty();
    }

    private static Principal jwtClaim(List<String> path, ValueMatcher value) {
        MetadataMatcher.Builder matcher = MetadataMatcher.newBuilder().setFilter("envoy.filters.http.jwt_authn")
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("payload"));
        path.forEach(key -> matcher.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(key)));
        return Principal.newBuilder().setMetadata(matcher.setValue(value)).build();
    }

    private static ValueMatcher stringValue(StringMatcher matcher) {
        return ValueMatcher.newBuilder().setStringMatch(matcher).build();
    }

    /** Istio's claim matcher: the claim is one of the values, or a list with an element that is. */
    private static ValueMatcher listOrValue(ValueMatcher value) {
        return ValueMatcher.newBuilder().setOrMatch(OrMatcher.newBuilder()
                .addValueMatchers(ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder().setOneOf(value)))
                .addValueMatchers(value)).build();
    }

    private static Principal allOf(Principal... ids) {
        return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(List.of(ids))).build();
    }

    @Test
    void requestPrincipalsAndJwtConditionsMatchTheJwtPayload() throws Exception {
        AuthorizationPolicies policies = policies("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: jwt, namespace: default}
                spec:
                  rules:
                  - from:
                    - source:
                        requestPrincipals: ["https://issuer.example/user-1", "*"]
                        notRequestPrincipals: ["https://issuer.example/*"]
                    when:
                    - key: request.auth.claims[group]
                      values: [admins, "ops*"]
                    - key: request.auth.claims[realm][role]
                      notValues: [guest]
                    - key: request.auth.audiences
                      values: [reviews]
                    - key: request.auth.presenter
                      values: [web]
                    - key: request.auth.principal
                      values: [issuer/sub]
                """);

        RbacFilterGenerator.Result result = RbacFilterGenerator.generate(policies.forWorkload("default", REVIEWS));

        assertThat(result.problems()).isEmpty();
        StringMatcher any = StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build();
        Principal principalUser1 = allOf(
                jwtClaim(List.of("iss"), stringValue(exact("https://issuer.example"))),
                jwtClaim(List.of("sub"), stringValue(exact("user-1"))));
        Principal anyPrincipal = allOf(jwtClaim(List.of("iss"), stringValue(any)),
                jwtClaim(List.of("sub"), stringValue(any)));
        Principal issuerAnySubject = allOf(
                jwtClaim(List.of("iss"), stringValue(exact("https://issuer.example"))),
                jwtClaim(List.of("sub"), stringValue(any)));
        ValueMatcher groups = ValueMatcher.newBuilder().setOrMatch(OrMatcher.newBuilder()
                .addValueMatchers(stringValue(exact("admins")))
                .addValueMatchers(stringValue(StringMatcher.newBuilder().setPrefix("ops").build()))).build();
        Principal expected = allOf(
                anyOf(principalUser1, anyPrincipal),
                Principal.newBuilder().setNotId(anyOf(issuerAnySubject)).build(),
                jwtClaim(List.of("group"), listOrValue(groups)),
                Principal.newBuilder().setNotId(jwtClaim(List.of("realm", "role"),
                        listOrValue(stringValue(exact("guest"))))).build(),
                jwtClaim(List.of("aud"), listOrValue(stringValue(exact("reviews")))),
                jwtClaim(List.of("azp"), listOrValue(stringValue(exact("web")))),
                anyOf(allOf(jwtClaim(List.of("iss"), stringValue(exact("issuer"))),
                        jwtClaim(List.of("sub"), stringValue(exact("sub"))))));
        assertThat(rules(result.filters().getFirst()).getPoliciesOrThrow("ns[default]-policy[jwt]-rule[0]"))
                .isEqualTo(Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                        .addPrincipals(expected).build());
    }

    @Test
    void tcpFiltersDropHttpOnlyRulesFromAllowAndHttpOnlyFieldsFromDeny() throws Exception {
        AuthorizationPolicies policies = policies("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-admin, namespace: default}
                spec:
                  action: DENY
                  rules:
                  - from: [{source: {principals: ["cluster.local/ns/default/sa/client"]}}]
                    to: [{operation: {methods: ["GET"], paths: ["/admin*"]}}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow, namespace: default}
                spec:
                  rules:
                  - to: [{operation: {paths: ["/public*"]}}]
                  - from: [{source: {namespaces: ["default"]}}]
                    to: [{operation: {ports: ["7000"]}}]
                """);

        List<Filter> filters = RbacFilterGenerator.generateTcp(policies.forWorkload("default", REVIEWS));

        assertThat(filters).extracting(Filter::getName).containsOnly("envoy.filters.network.rbac");
        List<io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC> configs = new java.util.ArrayList<>();
        for (Filter filter : filters) {
            configs.add(filter.getTypedConfig().unpack(
                    io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class));
        }
        assertThat(configs).extracting(c -> c.getStatPrefix()).containsOnly("tcp.");
        RBAC deny = configs.get(0).getRules();
        assertThat(deny.getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(deny.getPoliciesMap().get("ns[default]-policy[deny-admin]-rule[0]")).isEqualTo(Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addIds(anyOf(
                        principalName(exact("spiffe://cluster.local/ns/default/sa/client")))))).build());
        RBAC allow = configs.get(1).getRules();
        assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
        assertThat(allow.getPoliciesMap()).as("the paths rule can never match a connection")
                .containsOnlyKeys("ns[default]-policy[allow]-rule[1]");
    }
}
