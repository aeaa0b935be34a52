package dev.skiff.proxy.authn;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token location, verification, requirements and outputs of the JWT authentication filter. */
class JwtAuthnFilterTest {
    private static final long NOW = 1_800_000_000L;
    private static RSAKey rsa;
    private static ECKey ec;
    private static RSAKey stranger;

    @BeforeAll
    static void keys() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    }

    private static String token(RSAKey key, JWSAlgorithm algorithm, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims(String issuer) {
        return new JWTClaimsSet.Builder().issuer(issuer).subject("user-1").audience("reviews")
                .expirationTime(new java.util.Date((NOW + 600) * 1000)).claim("scope", "read write");
    }

    private static JwtProvider provider(String name, String issuer, JwksSource jwks, boolean forward) {
        return new JwtProvider(name, issuer, List.of("reviews"), jwks, forward,
                List.of(new JwtProvider.HeaderLocation("authorization", "Bearer ")), List.of("access_token"),
                List.of("session"), "x-jwt-payload", "payload", Set.of("scope"),
                List.of(new JwtProvider.ClaimToHeader("x-sub", "sub")), 60, false);
    }

    private static JwtAuthnSpec istio(JwtProvider provider) {
        return new JwtAuthnSpec(Map.of(provider.name(), provider), new JwtRequirement.RequiresAny(List.of(
                new JwtRequirement.Provider(provider.name(), null), new JwtRequirement.AllowMissing())), true);
    }

    private static JwksSource local(Object... keys) throws Exception {
        List<com.nimbusds.jose.jwk.JWK> publicKeys = new java.util.ArrayList<>();
        for (Object key : keys) {
            publicKeys.add(((com.nimbusds.jose.jwk.JWK) key).toPublicJWK());
        }
        return new LocalJwks(new JWKSet(publicKeys).toString());
    }

    private static HttpRequest request(String uri, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    @Test
    void aValidTokenPassesWithItsPayloadAndOutputs() throws Exception {
        JwtAuthnSpec spec = istio(provider("origins-0", "issuer-a", local(rsa), false));
        String token = token(rsa, JWSAlgorithm.RS256, claims("issuer-a").build());
        HttpRequest request = request("/", "authorization", "Bearer " + token);

        JwtAuthnFilter.Outcome outcome = JwtAuthnFilter.authenticate(spec, request, NOW);

        assertThat(outcome).isInstanceOf(JwtAuthnFilter.Passed.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> payload = (Map<String, Object>) ((JwtAuthnFilter.Passed) outcome).metadata()
                .get("payload");
        assertThat(payload).containsEntry("iss", "issuer-a").containsEntry("sub", "user-1")
                .containsEntry("scope", List.of("read", "write"));
        assertThat(request.headers().get("authorization")).isNull();
        assertThat(request.headers().get("x-sub")).isEqualTo("user-1");
        assertThat(new String(Base64.getUrlDecoder().decode(request.headers().get("x-jwt-payload"))))
                .contains("\"sub\":\"user-1\"");
    }

    @Test
    void noTokenPassesUnauthenticatedAndABadOneIsRefused() throws Exception {
        JwtAuthnSpec spec = istio(provider("origins-0", "issuer-a", local(rsa), true));

        assertThat(JwtAuthnFilter.authenticate(spec, request("/"), NOW))
                .isEqualTo(new JwtAuthnFilter.Passed(Map.of()));
        String forged = token(stranger, JWSAlgorithm.RS256, claims("issuer-a").build());
        String expired = token(rsa, JWSAlgorithm.RS256, claims("issuer-a")
                .expirationTime(new java.util.Date((NOW - 3600) * 1000)).build());
        String otherAudience = token(rsa, JWSAlgorithm.RS256, claims("issuer-a").audience("ratings").build());
        String otherIssuer = token(rsa, JWSAlgorithm.RS256, claims("issuer-b").build());
        String notYet = token(rsa, JWSAlgorithm.RS256, claims("issuer-a")
                .notBeforeTime(new java.util.Date((NOW + 3600) * 1000)).build());
        for (String bad : List.of(forged, expired, otherAudience, otherIssuer, notYet, "not.a.jwt")) {
            assertThat(JwtAuthnFilter.authenticate(spec, request("/", "authorization", "Bearer " + bad), NOW))
                    .isEqualTo(new JwtAuthnFilter.Rejected(JwtAuthnFilter.FAILED_BODY));
        }
        HttpRequest forwarded = request("/?access_token=" + token(rsa, JWSAlgorithm.PS384,
                claims("issuer-a").build()));
        assertThat(JwtAuthnFilter.authenticate(spec, forwarded, NOW)).isInstanceOf(JwtAuthnFilter.Passed.class);
    }

    @Test
    void aRequiredProviderWithoutTokenIsMissingAndEcKeysVerify() throws Exception {
        JwtProvider provider = provider("p", "issuer-a", local(rsa, ec), true);
        JwtAuthnSpec spec = new JwtAuthnSpec(Map.of("p", provider), new JwtRequirement.Provider("p", null), false);
        assertThat(JwtAuthnFilter.authenticate(spec, request("/"), NOW))
                .isEqualTo(new JwtAuthnFilter.Rejected(JwtAuthnFilter.MISSING_BODY));

        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
                claims("issuer-a").build());
        jwt.sign(new ECDSASigner(ec));
        assertThat(JwtAuthnFilter.authenticate(spec, request("/", "cookie", "a=b; session=" + jwt.serialize()),
                NOW)).isInstanceOf(JwtAuthnFilter.Passed.class);
    }

    @Test
    void severalIssuersShareTheAuthorizationHeader() throws Exception {
        JwtProvider a = provider("origins-0", "issuer-a", local(rsa), true);
        JwtProvider b = provider("origins-1", "issuer-b", local(ec), true);
        JwtRequirement eitherOrMissing = new JwtRequirement.RequiresAny(List.of(
                new JwtRequirement.Provider("origins-0", null), new JwtRequirement.Provider("origins-1", null),
                new JwtRequirement.RequiresAll(List.of(
                        new JwtRequirement.RequiresAny(List.of(new JwtRequirement.Provider("origins-0", null),
                                new JwtRequirement.AllowMissing())),
                        new JwtRequirement.RequiresAny(List.of(new JwtRequirement.Provider("origins-1", null),
                                new JwtRequirement.AllowMissing()))))));
        JwtAuthnSpec spec = new JwtAuthnSpec(Map.of("origins-0", a, "origins-1", b), eitherOrMissing, true);

        assertThat(JwtAuthnFilter.authenticate(spec, request("/", "authorization", "Bearer "
                + token(rsa, JWSAlgorithm.RS512, claims("issuer-a").build())), NOW))
                .isInstanceOf(JwtAuthnFilter.Passed.class);
        assertThat(JwtAuthnFilter.authenticate(spec, request("/"), NOW)).isInstanceOf(JwtAuthnFilter.Passed.class);
        assertThat(JwtAuthnFilter.authenticate(spec, request("/", "authorization", "Bearer "
                + token(stranger, JWSAlgorithm.RS256, claims("issuer-a").build())), NOW))
                .isEqualTo(new JwtAuthnFilter.Rejected(JwtAuthnFilter.FAILED_BODY));
    }

    @Test
    void corsPreflightBypassesTheFilter() throws Exception {
        JwtProvider provider = provider("p", "issuer-a", local(rsa), true);
        JwtAuthnSpec spec = new JwtAuthnSpec(Map.of("p", provider), new JwtRequirement.Provider("p", null), true);
        HttpRequest preflight = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.OPTIONS, "/");
        preflight.headers().add("origin", "https://app.example").add("access-control-request-method", "POST");

        assertThat(JwtAuthnFilter.authenticate(spec, preflight, NOW)).isInstanceOf(JwtAuthnFilter.Passed.class);
    }
}
