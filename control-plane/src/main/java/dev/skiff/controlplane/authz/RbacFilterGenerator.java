package dev.skiff.controlplane.authz;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.security.v1beta1.AuthorizationPolicy;
import dev.skiff.api.security.v1beta1.Condition;
import dev.skiff.api.security.v1beta1.Operation;
import dev.skiff.api.security.v1beta1.Rule;
import dev.skiff.api.security.v1beta1.Source;
import dev.skiff.controlplane.model.AuthorizationPolicies;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Istio's translation of the AuthorizationPolicies of a workload into Envoy RBAC HTTP filters
 * ({@value #FILTER_NAME}) for its inbound HTTP connection managers: an AUDIT filter (action LOG), then a DENY
 * filter, then an ALLOW filter, each only when policies of its action apply; an ALLOW filter is generated even when
 * its policies yield no rule, so that it denies everything. Every rule of a policy becomes one RBAC policy named
 * {@code ns[<namespace>]-policy[<name>]-rule[<index>]}: its permissions are the rule's operations (ORed, each the AND
 * of its fields) and its principals the rule's sources (likewise), the {@code when} conditions ANDed into every
 * permission (destination attributes) or principal (source and request attributes). String values match exactly, by
 * prefix ({@code abc*}), by suffix ({@code *abc}) or by presence ({@code *}); principals get the {@code spiffe://}
 * scheme of the peer certificate's URI SAN, namespaces are matched within it.
 *
 * <p>Request principals and {@code request.auth.*} conditions match the payload the JWT authentication filter
 * ({@code envoy.filters.http.jwt_authn}, generated from RequestAuthentication) leaves in the dynamic metadata, as
 * Istio matches them ({@link JwtMatchers}).
 *
 * <p>CUSTOM policies need an external authorizer and are not supported: validation rejects them. An attribute the
 * generator cannot map ({@code experimental.envoy.filters.*}) leaves an ALLOW or AUDIT rule out (it could never
 * match) and a DENY rule with its other constraints (it denies more, never less); both are reported.
 */
public final class RbacFilterGenerator {

    /** The Envoy name of the RBAC HTTP filter. */
    public static final String FILTER_NAME = "envoy.filters.http.rbac";
    /** The Envoy name of the RBAC network filter. */
    public static final String NETWORK_FILTER_NAME = "envoy.filters.network.rbac";

    private static final String SPIFFE = "spiffe://";

    /** The filters and what was left out of them, with reasons. */
    public record Result(List<HttpFilter> filters, List<String> problems) {
        public Result {
            filters = List.copyOf(filters);
            problems = List.copyOf(problems);
        }
    }

    private RbacFilterGenerator() {
    }

    /** The RBAC filters for the policies that apply to one workload (see {@link AuthorizationPolicies}). */
    public static Result generate(List<AuthorizationPolicies.Policy> policies) {
        List<String> problems = new ArrayList<>();
        List<HttpFilter> filters = new ArrayList<>();
        for (RBAC rules : rules(policies, false, problems)) {
            filters.add(HttpFilter.newBuilder().setName(FILTER_NAME).setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build()))
                    .build());
        }
        return new Result(filters, problems);
    }

    /**
     * The RBAC network filters ({@value #NETWORK_FILTER_NAME}, stat prefix {@code tcp.}) for the policies that apply
     * to one workload, which Istio puts before the {@code tcp_proxy} of each inbound TCP port: the same filters in
     * the same order, where a rule using an HTTP-only field (hosts, methods, paths, request principals,
     * {@code request.*} conditions) never matches in an ALLOW or AUDIT policy and is kept without that field in a
     * DENY policy, as Istio builds them for TCP.
     */
    public static List<Filter> generateTcp(List<AuthorizationPolicies.Policy> policies) {
        List<Filter> filters = new ArrayList<>();
        for (RBAC rules : rules(policies, true, new ArrayList<>())) {
            filters.add(Filter.newBuilder().setName(NETWORK_FILTER_NAME).setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setStatPrefix("tcp.")
                            .setRules(rules).build())).build());
        }
        return filters;
    }

    private static List<RBAC> rules(List<AuthorizationPolicies.Policy> policies, boolean tcp,
            List<String> problems) {
        List<RBAC> filters = new ArrayList<>();
        rules(policies, AuthorizationPolicy.Action.AUDIT, RBAC.Action.LOG, tcp, problems).ifPresent(filters::add);
        rules(policies, AuthorizationPolicy.Action.DENY, RBAC.Action.DENY, tcp, problems).ifPresent(filters::add);
        rules(policies, AuthorizationPolicy.Action.ALLOW, RBAC.Action.ALLOW, tcp, problems).ifPresent(filters::add);
        return filters;
    }

    private static Optional<RBAC> rules(List<AuthorizationPolicies.Policy> policies,
            AuthorizationPolicy.Action action, RBAC.Action rbacAction, boolean tcp, List<String> problems) {
        RBAC.Builder rules = RBAC.newBuilder().setAction(rbacAction);
        boolean any = false;
        for (AuthorizationPolicies.Policy policy : policies) {
            if (policy.spec().getAction() != action) {
                continue;
            }
            any = true;
            for (int i = 0; i < policy.spec().getRulesCount(); i++) {
                String key = "ns[" + policy.namespace() + "]-policy[" + policy.name() + "]-rule[" + i + "]";
                RuleBuilder builder = new RuleBuilder(where(policy) + ": rules[" + i + "]",
                        action == AuthorizationPolicy.Action.DENY, tcp);
                builder.rule(policy.spec().getRules(i));
                problems.addAll(builder.problems);
                if (!builder.dropped) {
                    rules.putPolicies(key, builder.policy());
                }
            }
        }
        if (!any || (rbacAction != RBAC.Action.ALLOW && rules.getPoliciesCount() == 0)) {
            return Optional.empty();
        }
        return Optional.of(rules.build());
    }

    private static String where(AuthorizationPolicies.Policy policy) {
        return "AuthorizationPolicy " + policy.namespace() + "/" + policy.name();
    }

    /**
     * Istio's string matching (also for JWT claims): {@code *} is presence (any non-empty value), {@code abc*} a
     * prefix, {@code *abc} a suffix, anything else exact; {@code scheme} goes before exact and prefix values.
     */
    static StringMatcher string(String value, String scheme, boolean ignoreCase) {
        StringMatcher.Builder matcher = StringMatcher.newBuilder().setIgnoreCase(ignoreCase);
        if (value.equals("*")) {
            return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build();
        } else if (value.startsWith("*")) {
            matcher.setSuffix(value.substring(1));
        } else if (value.endsWith("*")) {
            matcher.setPrefix(scheme + value.substring(0, value.length() - 1));
        } else {
            matcher.setExact(scheme + value);
        }
        return matcher.build();
    }

    /** Builds the permissions and principals of one rule. */
    private static final class RuleBuilder {
        private final String where;
        private final boolean deny;
        private final List<String> problems = new ArrayList<>();
        private final List<Permission> whenPermissions = new ArrayList<>();
        private final List<Principal> whenPrincipals = new ArrayList<>();
        private final List<Permission> permissions = new ArrayList<>();
        private final List<Principal> principals = new ArrayList<>();
        private final boolean tcp;
        private boolean dropped;

        RuleBuilder(String where, boolean deny, boolean tcp) {
            this.where = where;
            this.deny = deny;
            this.tcp = tcp;
        }

        /**
         * Whether values of an HTTP-only field can be used: always for HTTP; for TCP never, and an ALLOW or AUDIT
         * rule using one can never match (a DENY rule is kept without it).
         */
        private boolean http(List<String> values) {
            if (!tcp || values.isEmpty()) {
                return true;
            }
            if (!deny) {
                dropped = true;
            }
            return false;
        }

        void rule(Rule rule) {
            for (int i = 0; i < rule.getWhenCount(); i++) {
                condition(rule.getWhen(i), where + ".when[" + i + "]");
            }
            for (Rule.To to : rule.getToList()) {
                List<Permission> and = new ArrayList<>(operation(to.getOperation()));
                and.addAll(whenPermissions);
                permissions.add(andPermission(and));
            }
            if (permissions.isEmpty()) {
                permissions.add(andPermission(whenPermissions));
            }
            for (int i = 0; i < rule.getFromCount(); i++) {
                List<Principal> and = new ArrayList<>(source(rule.getFrom(i).getSource(),
                        where + ".from[" + i + "].source"));
                and.addAll(whenPrincipals);
                principals.add(andPrincipal(and));
            }
            if (principals.isEmpty()) {
                principals.add(andPrincipal(whenPrincipals));
            }
        }

        Policy policy() {
            return Policy.newBuilder().addAllPermissions(permissions).addAllPrincipals(principals).build();
        }

        private void unsupported(String path, String what) {
            if (deny) {
                problems.add(path + ": " + what + " is not supported; the DENY rule is kept without this constraint");
            } else {
                dropped = true;
                problems.add(path + ": " + what + " is not supported; the rule is ignored");
            }
        }

        private List<Permission> operation(Operation operation) {
            List<Permission> and = new ArrayList<>();
            addHttpPermission(and, operation.getHostsList(), false, RuleBuilder::host);
            addHttpPermission(and, operation.getNotHostsList(), true, RuleBuilder::host);
            addPermission(and, operation.getPortsList(), false, RuleBuilder::port);
            addPermission(and, operation.getNotPortsList(), true, RuleBuilder::port);
            addHttpPermission(and, operation.getMethodsList(), false, RuleBuilder::method);
            addHttpPermission(and, operation.getNotMethodsList(), true, RuleBuilder::method);
            addHttpPermission(and, operation.getPathsList(), false, RuleBuilder::path);
            addHttpPermission(and, operation.getNotPathsList(), true, RuleBuilder::path);
            return and;
        }

        private List<Principal> source(Source source, String path) {
            List<Principal> and = new ArrayList<>();
            addPrincipal(and, source.getPrincipalsList(), false, RuleBuilder::principalName);
            addPrincipal(and, source.getNotPrincipalsList(), true, RuleBuilder::principalName);
            if (http(source.getRequestPrincipalsList())) {
                addPrincipal(and, source.getRequestPrincipalsList(), false, JwtMatchers::requestPrincipal);
            }
            if (http(source.getNotRequestPrincipalsList())) {
                addPrincipal(and, source.getNotRequestPrincipalsList(), true, JwtMatchers::requestPrincipal);
            }
            addPrincipal(and, source.getNamespacesList(), false, RuleBuilder::namespace);
            addPrincipal(and, source.getNotNamespacesList(), true, RuleBuilder::namespace);
            addPrincipal(and, source.getIpBlocksList(), false, v -> Principal.newBuilder().setDirectRemoteIp(
                    cidr(v)).build());
            addPrincipal(and, source.getNotIpBlocksList(), true, v -> Principal.newBuilder().setDirectRemoteIp(
                    cidr(v)).build());
            addPrincipal(and, source.getRemoteIpBlocksList(), false, v -> Principal.newBuilder().setRemoteIp(
                    cidr(v)).build());
            addPrincipal(and, source.getNotRemoteIpBlocksList(), true, v -> Principal.newBuilder().setRemoteIp(
                    cidr(v)).build());
            return and;
        }

        private void condition(Condition condition, String path) {
            String key = condition.getKey();
            if (key.startsWith("request.") && !http(List.of(key))) {
                return;
            }
            if (key.startsWith("request.headers[") && key.endsWith("]")) {
                String name = key.substring("request.headers[".length(), key.length() - 1);
                Function<String, Principal> header = v -> Principal.newBuilder().setHeader(
                        header(name, v, false)).build();
                addPrincipal(whenPrincipals, condition.getValuesList(), false, header);
                addPrincipal(whenPrincipals, condition.getNotValuesList(), true, header);
                return;
            }
            if (key.startsWith(JwtMatchers.CLAIMS_PREFIX)) {
                List<String> claims = JwtMatchers.claimPath(key);
                if (claims.isEmpty()) {
                    unsupported(path + ".key", "the attribute " + key);
                    return;
                }
                jwtClaim(condition, claims);
                return;
            }
            switch (key) {
                case "request.auth.principal" -> {
                    addPrincipal(whenPrincipals, condition.getValuesList(), false, JwtMatchers::requestPrincipal);
                    addPrincipal(whenPrincipals, condition.getNotValuesList(), true, JwtMatchers::requestPrincipal);
                }
                case "request.auth.audiences" -> jwtClaim(condition, List.of("aud"));
                case "request.auth.presenter" -> jwtClaim(condition, List.of("azp"));
                case "source.ip" -> {
                    addPrincipal(whenPrincipals, condition.getValuesList(), false,
                            v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build());
                    addPrincipal(whenPrincipals, condition.getNotValuesList(), true,
                            v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build());
                }
                case "remote.ip" -> {
                    addPrincipal(whenPrincipals, condition.getValuesList(), false,
                            v -> Principal.newBuilder().setRemoteIp(cidr(v)).build());
                    addPrincipal(whenPrincipals, condition.getNotValuesList(), true,
                            v -> Principal.newBuilder().setRemoteIp(cidr(v)).build());
                }
                case "source.namespace" -> {
                    addPrincipal(whenPrincipals, condition.getValuesList(), false, RuleBuilder::namespace);
                    addPrincipal(whenPrincipals, condition.getNotValuesList(), true, RuleBuilder::namespace);
                }
                case "source.principal" -> {
                    addPrincipal(whenPrincipals, condition.getValuesList(), false, RuleBuilder::principalName);
                    addPrincipal(whenPrincipals, condition.getNotValuesList(), true, RuleBuilder::principalName);
                }
                case "destination.ip" -> {
                    addPermission(whenPermissions, condition.getValuesList(), false,
                            v -> Permission.newBuilder().setDestinationIp(cidr(v)).build());
                    addPermission(whenPermissions, condition.getNotValuesList(), true,
                            v -> Permission.newBuilder().setDestinationIp(cidr(v)).build());
                }
                case "destination.port" -> {
                    addPermission(whenPermissions, condition.getValuesList(), false, RuleBuilder::port);
                    addPermission(whenPermissions, condition.getNotValuesList(), true, RuleBuilder::port);
                }
                case "connection.sni" -> {
                    addPermission(whenPermissions, condition.getValuesList(), false, v -> Permission.newBuilder()
                            .setRequestedServerName(string(v, "", false)).build());
                    addPermission(whenPermissions, condition.getNotValuesList(), true, v -> Permission.newBuilder()
                            .setRequestedServerName(string(v, "", false)).build());
                }
                default -> unsupported(path + ".key", "the attribute " + key);
            }
        }

        /** A condition on a claim of the verified token: one metadata matcher for all values, negated for notValues. */
        private void jwtClaim(Condition condition, List<String> claims) {
            if (condition.getValuesCount() > 0) {
                whenPrincipals.add(JwtMatchers.claim(claims, condition.getValuesList()));
            }
            if (condition.getNotValuesCount() > 0) {
                whenPrincipals.add(Principal.newBuilder().setNotId(JwtMatchers.claim(claims,
                        condition.getNotValuesList())).build());
            }
        }

        private void addHttpPermission(List<Permission> and, List<String> values, boolean negate,
                Function<String, Permission> matcher) {
            if (http(values)) {
                addPermission(and, values, negate, matcher);
            }
        }

        private static void addPermission(List<Permission> and, List<String> values, boolean negate,
                Function<String, Permission> matcher) {
            if (values.isEmpty()) {
                return;
            }
            Permission.Set.Builder or = Permission.Set.newBuilder();
            for (String value : values) {
                or.addRules(matcher.apply(value));
            }
            Permission any = Permission.newBuilder().setOrRules(or).build();
            and.add(negate ? Permission.newBuilder().setNotRule(any).build() : any);
        }

        private static void addPrincipal(List<Principal> and, List<String> values, boolean negate,
                Function<String, Principal> matcher) {
            if (values.isEmpty()) {
                return;
            }
            Principal.Set.Builder or = Principal.Set.newBuilder();
            for (String value : values) {
                or.addIds(matcher.apply(value));
            }
            Principal any = Principal.newBuilder().setOrIds(or).build();
            and.add(negate ? Principal.newBuilder().setNotId(any).build() : any);
        }

        private static Permission andPermission(List<Permission> and) {
            if (and.isEmpty()) {
                return Permission.newBuilder().setAny(true).build();
            }
            return Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build();
        }

        private static Principal andPrincipal(List<Principal> and) {
            if (and.isEmpty()) {
                return Principal.newBuilder().setAny(true).build();
            }
            return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(and)).build();
        }

        private static Permission port(String value) {
            return Permission.newBuilder().setDestinationPort(Integer.parseInt(value)).build();
        }

        /** The request's host, matched case-insensitively as Istio does. */
        private static Permission host(String value) {
            return Permission.newBuilder().setHeader(header(":authority", value, true)).build();
        }

        private static Permission method(String value) {
            return Permission.newBuilder().setHeader(header(":method", value, false)).build();
        }

        private static Permission path(String value) {
            return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(string(value, "", false)))
                    .build();
        }

        private static HeaderMatcher header(String name, String value, boolean ignoreCase) {
            return HeaderMatcher.newBuilder().setName(name).setStringMatch(string(value, "", ignoreCase)).build();
        }

        private static Principal principalName(String value) {
            return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                    .setPrincipalName(string(value, SPIFFE, false))).build();
        }

        /** A namespace within the principal {@code spiffe://<trust domain>/ns/<namespace>/sa/<account>}. */
        private static Principal namespace(String value) {
            String namespace;
            if (value.equals("*")) {
                namespace = "[^/]+";
            } else if (value.startsWith("*")) {
                namespace = "[^/]*" + Pattern.quote(value.substring(1));
            } else if (value.endsWith("*")) {
                namespace = Pattern.quote(value.substring(0, value.length() - 1)) + "[^/]*";
            } else {
                namespace = Pattern.quote(value);
            }
            StringMatcher matcher = StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                    .setRegex(".*/ns/" + namespace + "/.*")).build();
            return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                    .setPrincipalName(matcher)).build();
        }

        private static CidrRange cidr(String value) {
            int slash = value.indexOf('/');
            String address = slash < 0 ? value : value.substring(0, slash);
            int prefix = slash < 0 ? (address.contains(":") ? 128 : 32) : Integer.parseInt(value.substring(slash + 1));
            return CidrRange.newBuilder().setAddressPrefix(address).setPrefixLen(UInt32Value.of(prefix)).build();
        }
    }
}
