package dev.skiff.e2e;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Istio's RequestAuthentication and a JWT-based AuthorizationPolicy enforced by the server's sidecar over mutual
 * TLS. The {@code server} workload accepts tokens of {@code issuer-a}, whose key set is inline, and allows only
 * requests with a verified principal of that issuer whose {@code group} claim is {@code admins}. The {@code keyed}
 * workload accepts tokens of {@code issuer-b}, whose key set its sidecar fetches from a small HTTP server of the
 * test, and allows any request principal.
 */
class RequestAuthenticationEndToEndTest {
    private static final String CLIENT = "127.0.51.1";
    private static final String SERVER = "127.0.51.2";
    private static final String KEYED = "127.0.51.3";
    private static final String JWKS_SERVER = "127.0.51.4";
    private static final String SERVER_HOST = "server.default.svc.cluster.local";
    private static final String KEYED_HOST = "keyed.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend server;
    static TestBackend keyed;
    static HttpServer jwksServer;
    static final AtomicInteger jwksFetches = new AtomicInteger();
    static HttpClient viaSidecar;
    static RSAKey inlineKey;
    static RSAKey remoteKey;
    static RSAKey strangerKey;

    @BeforeAll
    static void startMesh() throws Exception {
        inlineKey = new RSAKeyGenerator(2048).keyID("inline-1").generate();
        remoteKey = new RSAKeyGenerator(2048).keyID("remote-1").generate();
        strangerKey = new RSAKeyGenerator(2048).keyID("inline-1").generate();
        byte[] remoteJwks = new JWKSet(remoteKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwksServer = HttpServer.create(new InetSocketAddress(JWKS_SERVER, 0), 0);
        jwksServer.createContext("/jwks.json", exchange -> {
            jwksFetches.incrementAndGet();
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, remoteJwks.length);
            exchange.getResponseBody().write(remoteJwks);
            exchange.close();
        });
        jwksServer.start();

        mesh = new LocalMesh(work);
        server = TestBackend.start("server", new InetSocketAddress("127.0.0.1", 0));
        keyed = TestBackend.start("keyed", new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", MeshYaml.documents(MeshYaml.httpService("server", SERVER_HOST, 8080),
                MeshYaml.httpService("keyed", KEYED_HOST, 8080),
                MeshYaml.meshedWorkload("client", CLIENT, null),
                MeshYaml.meshedWorkload("server", SERVER, server.port()),
                MeshYaml.meshedWorkload("keyed", KEYED, keyed.port()), """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                """));
        mesh.writeConfig("jwt.yaml", """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: inline, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: server}
                  jwtRules:
                  - issuer: issuer-a
                    audiences: [server]
                    jwks: '%s'
                    outputClaimToHeaders:
                    - {header: x-jwt-group, claim: group}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: admins-only, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: server}
                  rules:
                  - from:
                    - source:
                        requestPrincipals: ["issuer-a/*"]
                    when:
                    - key: request.auth.claims[group]
                      values: [admins]
                ---
                apiVersion: security.istio.io/v1beta1
                kind: RequestAuthentication
                metadata: {name: remote, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: keyed}
                  jwtRules:
                  - issuer: issuer-b
                    jwksUri: http://%s:%d/jwks.json
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: any-principal, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: keyed}
                  rules:
                  - from:
                    - source:
                        requestPrincipals: ["*"]
                """.formatted(new JWKSet(inlineKey.toPublicJWK()).toString(), JWKS_SERVER,
                jwksServer.getAddress().getPort()));
        mesh.startControlPlane(List.of());
        mesh.startMeshedProxy("client.default", CLIENT, "client");
        mesh.startMeshedProxy("server.default", SERVER, "server");
        mesh.startMeshedProxy("keyed.default", KEYED, "keyed");
        viaSidecar = SidecarHttp.through(CLIENT);
        String admin = token(inlineKey, "issuer-a", "server", "admins");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get(SERVER_HOST, "/headers/ready", admin).statusCode() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(viaSidecar, mesh, server, keyed);
        if (jwksServer != null) {
            jwksServer.stop(0);
        }
    }

    private static String token(RSAKey key, String issuer, String audience, String group) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(issuer).subject("alice").audience(audience)
                        .claim("group", group)
                        .expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static HttpResponse<String> get(String host, String path, String token)
            throws IOException, InterruptedException {
        return SidecarHttp.send(viaSidecar, SidecarHttp.request(host, 8080, path, Duration.ofSeconds(10),
                "authorization", token == null ? null : "Bearer " + token));
    }

    @Test
    void inlineKeysAuthenticateAndTheClaimConditionAuthorizes() throws Exception {
        long seenBefore = server.requests();

        HttpResponse<String> anonymous = get(SERVER_HOST, "/x", null);
        assertThat(anonymous.statusCode()).as("no token: unauthenticated, so no request principal")
                .isEqualTo(403);
        assertThat(anonymous.body()).isEqualTo("RBAC: access denied");

        HttpResponse<String> forged = get(SERVER_HOST, "/x", token(strangerKey, "issuer-a", "server", "admins"));
        assertThat(forged.statusCode()).as("a signature by another key").isEqualTo(401);
        assertThat(forged.body()).isEqualTo("Jwt verification fails");

        assertThat(get(SERVER_HOST, "/x", token(inlineKey, "issuer-a", "ratings", "admins")).statusCode())
                .as("another audience").isEqualTo(401);

        assertThat(get(SERVER_HOST, "/x", token(inlineKey, "issuer-a", "server", "guests")).statusCode())
                .as("a valid token whose group claim the condition does not accept").isEqualTo(403);
        assertThat(server.requests()).as("requests the backend saw").isEqualTo(seenBefore);

        HttpResponse<String> admin = get(SERVER_HOST, "/headers/admin", token(inlineKey, "issuer-a", "server",
                "admins"));
        assertThat(admin.statusCode()).as(mesh::logs).isEqualTo(200);
        assertThat(admin.body()).contains("x-jwt-group: admins").doesNotContain("authorization:");
        assertThat(server.requests()).isEqualTo(seenBefore + 1);
    }

    @Test
    void keysFromJwksUriAreFetchedByTheSidecarAndCached() throws Exception {
        assertThat(get(KEYED_HOST, "/x", null).statusCode()).as("no token").isEqualTo(403);

        String valid = token(remoteKey, "issuer-b", "keyed", "any");
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() ->
                assertThat(get(KEYED_HOST, "/x", valid).statusCode()).as(mesh::logs).isEqualTo(200));
        assertThat(jwksFetches.get()).as("key set fetches").isPositive();

        HttpResponse<String> inlineKeyToken = get(KEYED_HOST, "/x", token(inlineKey, "issuer-b", "keyed", "any"));
        assertThat(inlineKeyToken.statusCode()).as("signed by a key the remote set does not hold").isEqualTo(401);
        assertThat(inlineKeyToken.body()).isEqualTo("Jwt verification fails");

        int fetches = jwksFetches.get();
        for (int i = 0; i < 5; i++) {
            assertThat(get(KEYED_HOST, "/x", valid).statusCode()).isEqualTo(200);
        }
        assertThat(jwksFetches.get()).as("cached keys are not fetched again").isEqualTo(fetches);
    }
}
