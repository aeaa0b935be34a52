package dev.skiff.proxy.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import dev.skiff.proxy.authn.JwtAuthnSpec;
import dev.skiff.proxy.authn.JwtProvider;
import dev.skiff.proxy.authn.JwtRequirement;
import dev.skiff.proxy.authn.RemoteJwks;
import dev.skiff.proxy.authz.ConnectionAttributes;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.model.RequestHeadersView;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks.Builder;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.OrMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The jwt_authn configuration Istio generates, translated; RBAC metadata matchers over the verified payload. */
class JwtAuthnTranslatorTest {
    private static final String JWKS = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","
            + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
            + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

    private static io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement providerOrMissing() {
        return io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.newBuilder()
                .setRequiresAny(JwtRequirementOrList.newBuilder()
                        .addRequirements(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement
                                .newBuilder().setProviderName("origins-0"))
                        .addRequirements(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement
                                .newBuilder().setAllowMissing(Empty.getDefaultInstance())))
                .build();
    }

    private static JwtAuthentication.Builder istio(
            io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider provider) {
        return JwtAuthentication.newBuilder().putProviders("origins-0", provider).setBypassCorsPreflight(true)
                .addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(providerOrMissing()));
    }

    @Test
    void istiosConfigurationTranslatesWithEnvoysDefaults() throws Exception {
        JwtAuthnSpec spec = JwtAuthnTranslator.translate(istio(
                io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.newBuilder()
                        .setIssuer("issuer-a").setPayloadInMetadata("payload")
                        .setLocalJwks(DataSource.newBuilder().setInlineString(JWKS)).build()).build(), "jwt");

        JwtProvider provider = spec.providers().get("origins-0");
        assertThat(provider.fromHeaders()).containsExactly(new JwtProvider.HeaderLocation("authorization",
                "Bearer "));
        assertThat(provider.fromParams()).containsExactly("access_token");
        assertThat(provider.clockSkewSeconds()).isEqualTo(60);
        assertThat(spec.requirement()).isEqualTo(new JwtRequirement.RequiresAny(List.of(
                new JwtRequirement.Provider("origins-0", null), new JwtRequirement.AllowMissing())));
        assertThat(spec.bypassCorsPreflight()).isTrue();
    }

    @Test
    void remoteKeySetsAreSharedAcrossTranslations() throws Exception {
        Builder remote = io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks.newBuilder()
                .setHttpUri(HttpUri.newBuilder().setUri("http://127.0.0.1:1/jwks").setCluster("outbound|1||x")
                        .setTimeout(Duration.newBuilder().setSeconds(5)))
                .setCacheDuration(Duration.newBuilder().setSeconds(300));
        JwtAuthentication config = istio(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider
                .newBuilder().setIssuer("issuer-a").setRemoteJwks(remote).build()).build();

        JwtAuthnSpec first = JwtAuthnTranslator.translate(config, "jwt");
        JwtAuthnSpec second = JwtAuthnTranslator.translate(config, "jwt");

        assertThat(first.providers().get("origins-0").jwks()).isInstanceOf(RemoteJwks.class)
                .isSameAs(second.providers().get("origins-0").jwks());
        assertThat(first).isEqualTo(second);
    }

    @Test
    void whatTheProxyDoesNotImplementIsRejected() {
        io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider provider =
                io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.newBuilder()
                        .setIssuer("issuer-a").setLocalJwks(DataSource.newBuilder().setInlineString(JWKS)).build();
        assertThatThrownBy(() -> JwtAuthnTranslator.translate(istio(provider.toBuilder()
                .setSubjects(StringMatcher.newBuilder().setExact("x")).build()).build(), "jwt"))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith("jwt: providers[origins-0]: subjects: unsupported");
        assertThatThrownBy(() -> JwtAuthnTranslator.translate(istio(provider).addRules(RequirementRule.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/admin"))).build(), "jwt"))
                .isInstanceOf(TranslationException.class)
                .hasMessage("jwt: 2 rules (expected: exactly one rule, matching prefix /; per-path rules are not"
                        + " supported)");
        assertThatThrownBy(() -> JwtAuthnTranslator.translate(istio(provider.toBuilder()
                .setLocalJwks(DataSource.newBuilder().setInlineString("{\"keys\": 1}")).build()).build(), "jwt"))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith("jwt: providers[origins-0]: local_jwks is not a JSON Web Key Set");
    }

    @Test
    void rbacMatchesRequestPrincipalsAndNestedClaimsOfThePayload() throws Exception {
        Principal principal = Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                .addIds(claim(List.of("iss"), string("issuer-a")))
                .addIds(claim(List.of("sub"), string("user-1")))
                .addIds(claim(List.of("realm", "roles"), ValueMatcher.newBuilder().setOrMatch(OrMatcher.newBuilder()
                        .addValueMatchers(ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder()
                                .setOneOf(string("admin"))))
                        .addValueMatchers(string("admin"))).build()))).build();
        RbacRules rules = RbacTranslator.translate(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC
                .newBuilder().setRules(RBAC.newBuilder().setAction(RBAC.Action.ALLOW).putPolicies("jwt",
                        Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                                .addPrincipals(principal).build())).build(), "rbac");
        ConnectionAttributes attributes = new ConnectionAttributes("", null, null, null);
        RequestHeadersView view = new RequestHeadersView() {
            @Override
            public String path() {
                return "/";
            }

            @Override
            public String header(String lowerCaseName) {
                return null;
            }
        };

        Map<String, Object> admin = Map.of("payload", Map.of("iss", "issuer-a", "sub", "user-1",
                "realm", Map.of("roles", List.of("reader", "admin"))));
        Map<String, Object> reader = Map.of("payload", Map.of("iss", "issuer-a", "sub", "user-1",
                "realm", Map.of("roles", "reader")));
        assertThat(rules.permits(attributes.request(view, "envoy.filters.http.jwt_authn", admin))).isTrue();
        assertThat(rules.permits(attributes.request(view, "envoy.filters.http.jwt_authn", reader))).isFalse();
        assertThat(rules.permits(attributes.request(view))).isFalse();
    }

    private static Principal claim(List<String> path, ValueMatcher value) {
        MetadataMatcher.Builder matcher = MetadataMatcher.newBuilder().setFilter("envoy.filters.http.jwt_authn")
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey("payload"));
        path.forEach(key -> matcher.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(key)));
        return Principal.newBuilder().setMetadata(matcher.setValue(value)).build();
    }

    private static ValueMatcher string(String exact) {
        return ValueMatcher.newBuilder().setStringMatch(StringMatcher.newBuilder().setExact(exact)).build();
    }
}
