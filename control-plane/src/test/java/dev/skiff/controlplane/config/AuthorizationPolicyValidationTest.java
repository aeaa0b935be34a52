package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.security.v1beta1.AuthorizationPolicy;
import dev.skiff.api.security.v1beta1.Source;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of AuthorizationPolicy (security.istio.io v1 and v1beta1) and Istio's webhook checks of it. */
class AuthorizationPolicyValidationTest {
    private static final String AP = "ap.yaml: AuthorizationPolicy default/test: ";

    private static List<String> errors(String spec) {
        return Yaml.errors(parse("v1", spec));
    }

    private static ParsedFile parse(String version, String spec) {
        return Yaml.parse("ap.yaml", """
                apiVersion: security.istio.io/%s
                kind: AuthorizationPolicy
                metadata:
                  name: test
                  namespace: default
                spec:
                """.formatted(version) + spec.indent(2));
    }

    @Test
    void parsesEveryFieldInBothVersions() {
        String spec = """
                selector:
                  matchLabels: {app: reviews}
                action: DENY
                rules:
                - from:
                  - source:
                      principals: [cluster.local/ns/default/sa/client, "*-admin"]
                      notPrincipals: ["cluster.local/ns/other/*"]
                      requestPrincipals: ["issuer/*"]
                      notRequestPrincipals: ["issuer/bad"]
                      namespaces: [default]
                      notNamespaces: [kube-system]
                      ipBlocks: [10.0.0.0/8]
                      notIpBlocks: [10.1.2.3]
                      remoteIpBlocks: [192.0.2.0/24]
                      notRemoteIpBlocks: ["2001:db8::/32"]
                  to:
                  - operation:
                      hosts: ["*.example.com"]
                      notHosts: [admin.example.com]
                      ports: ["8080"]
                      notPorts: ["9090"]
                      methods: [GET, HEAD]
                      notMethods: [DELETE]
                      paths: ["/admin*"]
                      notPaths: ["*/public"]
                  when:
                  - key: request.headers[X-Tenant]
                    values: [blue]
                    notValues: [red]
                """;
        for (String version : List.of("v1", "v1beta1")) {
            AuthorizationPolicy policy = Yaml.single(parse(version, spec)).spec(AuthorizationPolicy.class);

            assertThat(policy.getAction()).isEqualTo(AuthorizationPolicy.Action.DENY);
            assertThat(policy.getSelector().getMatchLabelsMap()).containsEntry("app", "reviews");
            Source source = policy.getRules(0).getFrom(0).getSource();
            assertThat(source.getPrincipalsList()).containsExactly("cluster.local/ns/default/sa/client", "*-admin");
            assertThat(source.getNotRemoteIpBlocksList()).containsExactly("2001:db8::/32");
            assertThat(policy.getRules(0).getTo(0).getOperation().getNotPathsList()).containsExactly("*/public");
            assertThat(policy.getRules(0).getWhen(0).getKey()).isEqualTo("request.headers[X-Tenant]");
            assertThat(policy.getRules(0).getWhen(0).getNotValuesList()).containsExactly("red");
        }
    }

    @Test
    void anEmptySpecIsAnAllowNothingPolicy() {
        AuthorizationPolicy policy = Yaml.single(parse("v1beta1", "{}")).spec(AuthorizationPolicy.class);

        assertThat(policy.getAction()).isEqualTo(AuthorizationPolicy.Action.ALLOW);
        assertThat(policy.getRulesCount()).isZero();
    }

    @Test
    void customIsRejectedAsUnsupportedAndAProviderNeedsIt() {
        assertThat(errors("""
                action: CUSTOM
                provider: {name: ext-authz}
                rules:
                - {}
                """)).containsExactly(AP + "spec.action: CUSTOM is not supported: Skiff has no external"
                + " authorization providers (expected: ALLOW, DENY or AUDIT)");
        assertThat(errors("""
                action: DENY
                provider: {name: ext-authz}
                """)).containsExactly(AP + "spec.provider: set with action DENY (expected: a provider only with"
                + " action CUSTOM)");
        assertThat(errors("""
                action: AUDIT
                rules:
                - to:
                  - operation: {paths: ["/admin*"]}
                """)).isEmpty();
    }

    @Test
    void claimConditionsNameNonEmptyBracketedClaims() {
        assertThat(errors("""
                rules:
                - when:
                  - key: request.auth.claims[realm][role]
                    values: [admin]
                  - key: request.auth.claims[]
                    values: [x]
                  - key: request.auth.claims[a]b
                    values: [x]
                """)).hasSize(2).allMatch(error -> error.contains(".key: unknown attribute \"request.auth.claims["));
    }

    @Test
    void selectorAndTargetRefsExcludeEachOther() {
        assertThat(errors("""
                selector:
                  matchLabels: {app: reviews}
                targetRef: {kind: Gateway}
                """)).containsExactly(
                AP + "spec.selector: set together with targetRef/targetRefs (expected: only one of selector,"
                        + " targetRef or targetRefs)",
                AP + "spec.targetRef.name: required (expected: the name of the target)");
    }

    @Test
    void sourcesAndOperationsMustNotBeEmpty() {
        assertThat(errors("""
                rules:
                - from:
                  - source: {}
                  - {}
                  to:
                  - operation: {}
                """)).containsExactly(
                AP + "spec.rules[0].from[0].source: empty (expected: at least one of principals, requestPrincipals,"
                        + " namespaces, ipBlocks, remoteIpBlocks or their not-forms)",
                AP + "spec.rules[0].from[1].source: required (expected: a source with at least one field)",
                AP + "spec.rules[0].to[0].operation: empty (expected: at least one of hosts, ports, methods, paths"
                        + " or their not-forms)");
    }

    @Test
    void valuesIpBlocksAndPortsAreChecked() {
        assertThat(errors("""
                rules:
                - from:
                  - source:
                      principals: [""]
                      ipBlocks: [10.0.0.0/33, not-an-ip]
                  to:
                  - operation:
                      ports: ["80", "http", "70000"]
                """)).containsExactly(
                AP + "spec.rules[0].from[0].source.principals[0]: empty value (expected: a non-empty string)",
                AP + "spec.rules[0].from[0].source.ipBlocks[0]: \"10.0.0.0/33\" is not an IP address or CIDR block"
                        + " (expected e.g. 203.0.113.4 or 203.0.113.0/24)",
                AP + "spec.rules[0].from[0].source.ipBlocks[1]: \"not-an-ip\" is not an IP address or CIDR block"
                        + " (expected e.g. 203.0.113.4 or 203.0.113.0/24)",
                AP + "spec.rules[0].to[0].operation.ports[1]: \"http\" is not a port (expected: 0 to 65535)",
                AP + "spec.rules[0].to[0].operation.ports[2]: \"70000\" is not a port (expected: 0 to 65535)");
    }

    @Test
    void conditionsNameKnownAttributesWithValues() {
        assertThat(errors("""
                rules:
                - when:
                  - key: source.ip
                    values: [10.0.0.1, bad]
                  - key: destination.port
                    notValues: ["8080"]
                  - key: request.auth.claims[groups]
                    values: [admins]
                  - key: connection.sni
                  - key: request.method
                    values: [GET]
                  - values: [x]
                """)).containsExactly(
                AP + "spec.rules[0].when[0].values[1]: \"bad\" is not an IP address or CIDR block (expected e.g."
                        + " 203.0.113.4 or 203.0.113.0/24)",
                AP + "spec.rules[0].when[3]: neither values nor notValues set for key connection.sni (expected: at"
                        + " least one of them)",
                AP + "spec.rules[0].when[4].key: unknown attribute \"request.method\" (expected one of:"
                        + " request.headers[<name>], source.ip, remote.ip, source.namespace, source.principal,"
                        + " request.auth.principal, request.auth.audiences, request.auth.presenter,"
                        + " request.auth.claims[<claim>] (nested: [<claim>][<claim>]...), destination.ip,"
                        + " destination.port, connection.sni, experimental.envoy.filters.*)",
                AP + "spec.rules[0].when[5].key: required (expected one of: request.headers[<name>], source.ip,"
                        + " remote.ip, source.namespace, source.principal, request.auth.principal,"
                        + " request.auth.audiences, request.auth.presenter, request.auth.claims[<claim>] (nested:"
                        + " [<claim>][<claim>]...), destination.ip, destination.port, connection.sni,"
                        + " experimental.envoy.filters.*)");
    }
}
