package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.security.v1beta1.JWTRule;
import dev.skiff.api.security.v1beta1.RequestAuthentication;
import org.junit.jupiter.api.Test;

/** Parsing of RequestAuthentication (security.istio.io v1 and v1beta1) and the checks of its JWT rules. */
class RequestAuthenticationValidationTest {
    private static final String RA = "ra.yaml: RequestAuthentication default/test: ";
    private static final String JWKS = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","
            + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
            + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

    private static ParsedFile parse(String version, String spec) {
        return Yaml.parse("ra.yaml", """
                apiVersion: security.istio.io/%s
                kind: RequestAuthentication
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
                jwtRules:
                - issuer: https://issuer.example
                  audiences: [reviews]
                  jwks: '%s'
                  fromHeaders:
                  - {name: x-jwt, prefix: "Token "}
                  fromParams: [token]
                  fromCookies: [session]
                  outputPayloadToHeader: x-jwt-payload
                  forwardOriginalToken: true
                  outputClaimToHeaders:
                  - {header: x-sub, claim: sub}
                  timeout: 3s
                  spaceDelimitedClaims: [roles]
                - issuer: other
                  jwksUri: https://keys.example/jwks.json
                """.formatted(JWKS);
        for (String version : new String[] {"v1", "v1beta1"}) {
            ParsedFile file = parse(version, spec);
            assertThat(Yaml.errors(file)).isEmpty();
            RequestAuthentication parsed = file.documents().getFirst().object().spec(RequestAuthentication.class);
            JWTRule rule = parsed.getJwtRules(0);
            assertThat(rule.getFromHeaders(0).getPrefix()).isEqualTo("Token ");
            assertThat(rule.getOutputClaimToHeaders(0).getClaim()).isEqualTo("sub");
            assertThat(rule.getTimeout().getSeconds()).isEqualTo(3);
            assertThat(rule.getForwardOriginalToken()).isTrue();
            assertThat(parsed.getJwtRules(1).getJwksUri()).isEqualTo("https://keys.example/jwks.json");
        }
    }

    @Test
    void rejectsBrokenRulesAtTheirPaths() {
        assertThat(Yaml.errors(parse("v1", """
                jwtRules:
                - jwks: '{"keys": 3}'
                  fromHeaders: [{name: ":authority"}]
                  fromParams: [""]
                  outputPayloadToHeader: "bad header"
                  outputClaimToHeaders:
                  - {header: x-a, claim: a}
                  - {header: X-A}
                  timeout: 0s
                - issuer: b
                  jwksUri: "ftp://keys.example/jwks"
                - issuer: c
                  jwks: '{"keys": []}'
                - issuer: d
                """))).containsExactly(
                RA + "spec.jwtRules[0].issuer: required (expected: the iss claim of the accepted tokens)",
                RA + "spec.jwtRules[0].jwks: is not a JSON Web Key Set: Unexpected type of JSON object member keys"
                        + " (expected: {\"keys\": [...]})",
                RA + "spec.jwtRules[0].fromHeaders[0].name: \":authority\" is not a valid header name (expected:"
                        + " letters, digits and !#$%&'*+-.^_`|~, no pseudo-header)",
                RA + "spec.jwtRules[0].fromParams[0]: empty value (expected: a non-empty string)",
                RA + "spec.jwtRules[0].outputPayloadToHeader: \"bad header\" is not a valid header name (expected:"
                        + " letters, digits and !#$%&'*+-.^_`|~, no pseudo-header)",
                RA + "spec.jwtRules[0].outputClaimToHeaders[1].header: \"X-A\" is set by an earlier entry"
                        + " (expected: one claim per header)",
                RA + "spec.jwtRules[0].outputClaimToHeaders[1].claim: required (expected: the name of a claim of"
                        + " the token)",
                RA + "spec.jwtRules[0].timeout: 0s (expected: > 0)",
                RA + "spec.jwtRules[1].jwksUri: \"ftp://keys.example/jwks\" is not an http or https URL with a host"
                        + " (expected e.g. https://example.com/.well-known/jwks.json)",
                RA + "spec.jwtRules[2].jwks: holds no key (expected: a JSON Web Key Set with at least one key)",
                RA + "spec.jwtRules[3]: neither jwks nor jwksUri set (expected: one of them; discovering the keys"
                        + " from the issuer's OpenID configuration is not supported)");
    }

    @Test
    void selectorAndTargetRefsExcludeEachOther() {
        assertThat(Yaml.errors(parse("v1", """
                selector:
                  matchLabels: {app: reviews}
                targetRefs:
                - {kind: Gateway}
                """))).containsExactly(
                RA + "spec.selector: set together with targetRef/targetRefs (expected: only one of selector,"
                        + " targetRef or targetRefs)",
                RA + "spec.targetRefs[0].name: required (expected: the name of the target)");
    }
}
