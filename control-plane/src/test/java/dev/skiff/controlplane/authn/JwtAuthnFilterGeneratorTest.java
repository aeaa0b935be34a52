package dev.skiff.controlplane.authn;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.config.ConfigParser;
import dev.skiff.controlplane.config.ParsedDocument;
import dev.skiff.controlplane.config.ParsedFile;
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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RequestAuthentication YAML in, the JWT authentication filter Istio generates out. */
class JwtAuthnFilterGeneratorTest {
    private static final String JWKS = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","
            + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
            + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

    private static List<ConfigObject> objects(String yaml) {
        ParsedFile file = new ConfigParser().parse("ra.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(file.documents()).allMatch(ParsedDocument::valid);
        return file.documents().stream().map(ParsedDocument::object).toList();
    }

    private static JwtRequirement provider(String name) {
        return JwtRequirement.newBuilder().setProviderName(name).build();
    }

    private static JwtRequirement providerOrMissing(String name) {
        return JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                .addRequirements(provider(name))
                .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()))).build();
    }

    private static JwtAuthentication config(HttpFilter filter) throws Exception {
        assertThat(filter.getName()).isEqualTo("envoy.filters.http.jwt_authn");
        return filter.getTypedConfig().unpack(JwtAuthentication.class);
    }

    @Test
    void oneRuleIsThatProviderOrNoToken() throws Exception {
        List<ConfigObject> policies = objects("""
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: reviews}
                  jwtRules:
                  - issuer: https://issuer.example
                    audiences: [reviews]
                    jwks: '%s'
                    fromHeaders: [{name: x-jwt, prefix: "Token "}]
                    fromCookies: [session]
                    outputPayloadToHeader: x-jwt-payload
                    outputClaimToHeaders: [{header: x-sub, claim: sub}]
                    spaceDelimitedClaims: [roles]
                """.formatted(JWKS));

        JwtAuthentication config = config(JwtAuthnFilterGenerator.generate(policies, "default",
                Map.of("app", "reviews")).orElseThrow());

        assertThat(config).isEqualTo(JwtAuthentication.newBuilder()
                .putProviders("origins-0", JwtProvider.newBuilder()
                        .setIssuer("https://issuer.example")
                        .addAudiences("reviews")
                        .setLocalJwks(DataSource.newBuilder().setInlineString(JWKS))
                        .addFromHeaders(JwtHeader.newBuilder().setName("x-jwt").setValuePrefix("Token "))
                        .addFromCookies("session")
                        .setForwardPayloadHeader("x-jwt-payload")
                        .setPayloadInMetadata("payload")
                        .setNormalizePayloadInMetadata(JwtProvider.NormalizePayload.newBuilder()
                                .addAllSpaceDelimitedClaims(List.of("permission", "roles", "scope")))
                        .addClaimToHeaders(JwtClaimToHeader.newBuilder().setHeaderName("x-sub").setClaimName("sub"))
                        .build())
                .addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(providerOrMissing("origins-0")))
                .setBypassCorsPreflight(true)
                .build());
        assertThat(JwtAuthnFilterGenerator.generate(policies, "default", Map.of("app", "ratings"))).isEmpty();
        assertThat(JwtAuthnFilterGenerator.generate(policies, "other", Map.of("app", "reviews"))).isEmpty();
    }

    @Test
    void severalRulesFromTheRootAndTheWorkloadNamespaceAreSortedByIssuer() throws Exception {
        List<ConfigObject> policies = objects("""
                apiVersion: security.istio.io/v1beta1
                kind: RequestAuthentication
                metadata: {name: mesh, namespace: istio-system}
                spec:
                  jwtRules:
                  - issuer: zeta
                    jwksUri: https://keys.example/jwks.json
                    timeout: 2s
                ---
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: ns, namespace: default}
                spec:
                  jwtRules:
                  - issuer: alpha
                    jwks: '%s'
                ---
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: gateway, namespace: default}
                spec:
                  targetRefs: [{kind: Gateway, name: ingress}]
                  jwtRules:
                  - issuer: gateway-only
                    jwks: '%s'
                """.formatted(JWKS, JWKS));

        JwtAuthentication config = config(JwtAuthnFilterGenerator.generate(policies, "default", Map.of())
                .orElseThrow());

        assertThat(config.getProvidersMap()).containsOnlyKeys("origins-0", "origins-1");
        assertThat(config.getProvidersOrThrow("origins-0").getIssuer()).isEqualTo("alpha");
        assertThat(config.getProvidersOrThrow("origins-1").getRemoteJwks()).isEqualTo(RemoteJwks.newBuilder()
                .setHttpUri(HttpUri.newBuilder().setUri("https://keys.example/jwks.json")
                        .setCluster("outbound|443||keys.example").setTimeout(Duration.newBuilder().setSeconds(2)))
                .setCacheDuration(Duration.newBuilder().setSeconds(300)).build());
        assertThat(config.getRules(0).getRequires()).isEqualTo(JwtRequirement.newBuilder()
                .setRequiresAny(JwtRequirementOrList.newBuilder()
                        .addRequirements(provider("origins-0"))
                        .addRequirements(provider("origins-1"))
                        .addRequirements(JwtRequirement.newBuilder().setRequiresAll(JwtRequirementAndList.newBuilder()
                                .addRequirements(providerOrMissing("origins-0"))
                                .addRequirements(providerOrMissing("origins-1")))))
                .build());
    }
}
