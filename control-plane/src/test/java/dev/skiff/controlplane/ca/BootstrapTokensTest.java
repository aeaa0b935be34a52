package dev.skiff.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTokensTest {
    @TempDir
    Path state;

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

    @Test
    void aMintedTokenNamesTheWorkloadNamespaceAndServiceAccount() throws Exception {
        BootstrapTokens tokens = BootstrapTokens.loadOrCreate(state, clock);

        WorkloadToken token = tokens.verify(tokens.mint("reviews-v1", "default", "bookinfo-reviews",
                Duration.ofHours(24)));

        assertThat(token).isEqualTo(new WorkloadToken("reviews-v1", "default", "bookinfo-reviews",
                clock.instant().plus(Duration.ofHours(24))));
        assertThat(token.identity("cluster.local").uri())
                .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
    }

    @Test
    void theKeyIsKeptInTheStateDirectorySoAnotherProcessVerifiesTheToken() throws Exception {
        String token = BootstrapTokens.loadOrCreate(state, clock).mint("ratings", "default", "default",
                Duration.ofMinutes(5));

        assertThat(BootstrapTokens.loadOrCreate(state, clock).verify(token).workload()).isEqualTo("ratings");
        assertThat(Files.getPosixFilePermissions(state.resolve("token-key.pem")).toString())
                .isEqualTo("[OWNER_READ, OWNER_WRITE]");
    }

    @Test
    void processesCreatingTheKeyTogetherShareOneKey() throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<BootstrapTokens>> loads = IntStream.range(0, 4)
                    .mapToObj(i -> executor.submit(() -> BootstrapTokens.loadOrCreate(state, clock)))
                    .toList();
            String token = loads.getFirst().get().mint("ratings", "default", "default", Duration.ofMinutes(5));
            for (Future<BootstrapTokens> load : loads) {
                assertThat(load.get().verify(token).workload()).isEqualTo("ratings");
            }
        }
        try (var files = Files.list(state)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("token-key.pem");
        }
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        BootstrapTokens tokens = BootstrapTokens.loadOrCreate(state, clock);
        String token = tokens.mint("ratings", "default", "default", Duration.ofMinutes(5));

        clock.advance(Duration.ofMinutes(5));

        assertThatThrownBy(() -> tokens.verify(token))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("the bearer token expired at");
    }

    @Test
    void aTokenFromAnotherKeyIsRefused() throws Exception {
        String forged = BootstrapTokens.loadOrCreate(state.resolve("elsewhere"), clock)
                .mint("ratings", "default", "admin", Duration.ofMinutes(5));

        assertThatThrownBy(() -> BootstrapTokens.loadOrCreate(state, clock).verify(forged))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("signature does not verify with this control plane's token key");
    }

    @Test
    void aTamperedPayloadIsRefused() throws Exception {
        BootstrapTokens tokens = BootstrapTokens.loadOrCreate(state, clock);
        String[] parts = tokens.mint("ratings", "default", "default", Duration.ofMinutes(5)).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"default\"", "\"admin\"");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
                + "." + parts[2];

        assertThatThrownBy(() -> tokens.verify(tampered))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void unsignedAndHmacTokensAreRefused() throws Exception {
        BootstrapTokens tokens = BootstrapTokens.loadOrCreate(state, clock);
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(BootstrapTokens.ISSUER)
                .audience(BootstrapTokens.AUDIENCE).expirationTime(Date.from(clock.instant().plusSeconds(60)))
                .claim("workload", "w").claim("namespace", "default").claim("service_account", "admin").build();
        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        hmac.sign(new MACSigner(new byte[32]));

        assertThatThrownBy(() -> tokens.verify(new PlainJWT(claims).serialize()))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("not a signed JWT");
        assertThatThrownBy(() -> tokens.verify(hmac.serialize()))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("signed with HS256 (expected: ES256");
        assertThatThrownBy(() -> tokens.verify("not-a-token"))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("not a signed JWT");
    }

    @Test
    void mintingChecksItsArguments() throws Exception {
        BootstrapTokens tokens = BootstrapTokens.loadOrCreate(state, clock);

        assertThatThrownBy(() -> tokens.mint("w", "default", "sa", Duration.ZERO))
                .hasMessage("token TTL PT0S (expected: > 0)");
        assertThatThrownBy(() -> tokens.mint("w", "de/fault", "sa", Duration.ofHours(1)))
                .hasMessageContaining("namespace 'de/fault'");
    }
}
