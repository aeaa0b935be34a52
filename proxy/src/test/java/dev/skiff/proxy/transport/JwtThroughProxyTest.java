package dev.skiff.proxy.transport;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.authn.JwksFetcher;
import dev.skiff.proxy.authn.JwtAuthnFilter;
import dev.skiff.proxy.authn.JwtAuthnSpec;
import dev.skiff.proxy.authn.JwtProvider;
import dev.skiff.proxy.authn.JwtRequirement;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.StringMatch;
import dev.skiff.proxy.authz.ValueMatch;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An inbound listener whose HCM authenticates with a remote key set and allows only the subject {@code alice}: a
 * request with a body that arrives before the keys waits for them without blocking its event loop (the same loop
 * keeps serving another connection meanwhile) and then reaches the app whole.
 */
@ExtendWith(NoLeaks.class)
class JwtThroughProxyTest {
    private static final String CLUSTER = "inbound|9080||";

    private final CountDownLatch fetchStarted = new CountDownLatch(1);
    private final CountDownLatch releaseKeys = new CountDownLatch(1);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServer app;
    private HttpServer jwksServer;
    private ProxyRuntime runtime;
    private InetSocketAddress inbound;
    private RSAKey key;

    @BeforeEach
    void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwksServer = HttpServer.create(loopback(0), 0);
        jwksServer.createContext("/jwks", exchange -> {
            fetchStarted.countDown();
            try {
                releaseKeys.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        jwksServer.start();
        app = HttpServer.create(loopback(0), 0);
        app.createContext("/", exchange -> {
            int length = exchange.getRequestBody().readAllBytes().length;
            byte[] body = ("app saw " + length + " bytes, authorization "
                    + exchange.getRequestHeaders().getFirst("authorization")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        app.start();

        JwtProvider provider = new JwtProvider("origins-0", "issuer-a", List.of(),
                JwksFetcher.shared().remote(URI.create("http://127.0.0.1:" + jwksServer.getAddress().getPort()
                        + "/jwks"), Duration.ofSeconds(30), Duration.ofMinutes(5)), false,
                List.of(new JwtProvider.HeaderLocation("authorization", "Bearer ")), List.of(), List.of(), "",
                "payload", Set.of(), List.of(), 60, false);
        JwtAuthnSpec authn = new JwtAuthnSpec(Map.of("origins-0", provider), new JwtRequirement.RequiresAny(List.of(
                new JwtRequirement.Provider("origins-0", null), new JwtRequirement.AllowMissing())), true);
        RbacRules alice = new RbacRules(RbacRules.Action.ALLOW, List.of(new RbacRules.Policy("alice",
                List.of(new RbacMatcher.Any()), List.of(new RbacMatcher.Metadata(JwtAuthnFilter.NAME,
                        List.of("payload", "sub"), new ValueMatch.Text(new StringMatch(StringMatch.Kind.EXACT,
                                "alice", null, false)), false)))));
        RouteTable table = new RouteTable("inbound", List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(CLUSTER))))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
        runtime.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("inbound", loopback(0),
                Direction.INBOUND, false, List.of(new FilterChainSpec("inbound", 0,
                        HttpConnectionManagerSpec.inline(table).withRbac(List.of(alice)).withJwtAuthn(authn))))),
                Map.of(), Map.of(CLUSTER, TestMesh.cluster(CLUSTER, true)),
                Map.of(CLUSTER, new EndpointSet(CLUSTER, List.of(new Endpoint(app.getAddress()))))));
        inbound = runtime.boundAddress("inbound").orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        releaseKeys.countDown();
        if (runtime != null) {
            runtime.close();
        }
        app.stop(0);
        jwksServer.stop(0);
    }

    private String token(String subject) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().issuer("issuer-a").subject(subject)
                        .expirationTime(new Date(System.currentTimeMillis() + 600_000)).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private HttpRequest.Builder post(String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inbound.getPort()
                + "/orders")).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body));
        return token == null ? request : request.header("authorization", "Bearer " + token);
    }

    @Test
    void aRequestWaitsForTheFirstKeyFetchWithoutBlockingTheLoopAndKeepsItsBody() throws Exception {
        String body = "x".repeat(100_000);
        CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(post(token("alice"), body).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(fetchStarted.await(10, TimeUnit.SECONDS)).as("the key fetch started").isTrue();

        HttpResponse<String> anonymous = client.send(post(null, "hi").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as("served by the same event loop meanwhile").isEqualTo(403);
        assertThat(anonymous.body()).isEqualTo("RBAC: access denied");
        assertThat(waiting).isNotDone();

        releaseKeys.countDown();
        HttpResponse<String> response = waiting.get(20, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("app saw 100000 bytes, authorization null");

        HttpResponse<String> bob = client.send(post(token("bob"), "hi").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bob.statusCode()).as("verified, but not the allowed subject").isEqualTo(403);
        HttpResponse<String> garbage = client.send(post("a.b.c", "hi").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(garbage.statusCode()).isEqualTo(401);
        assertThat(garbage.body()).isEqualTo("Jwt verification fails");
        assertThat(garbage.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"http://127.0.0.1:"
                + inbound.getPort() + "/orders\", error=\"invalid_token\"");
    }

    @Test
    void aConnectIsAuthenticatedAndAuthorizedBeforeAnyTunnel() {
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("CONNECT reviews:443 HTTP/1.1\r\nHost: reviews:443\r\n"
                    + "Authorization: Bearer not-a-jwt\r\n\r\n");
            assertThat(client.readResponse().status()).as("a token that does not verify").isEqualTo(401);
        }
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("CONNECT reviews:443 HTTP/1.1\r\nHost: reviews:443\r\n\r\n");
            RawHttpClient.Response anonymous = client.readResponse();
            assertThat(anonymous.status()).as("no token: the ALLOW policy wants alice").isEqualTo(403);
            assertThat(anonymous.body()).isEqualTo("RBAC: access denied");
        }
    }
}
