package dev.skiff.controlplane.ca;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints and verifies the per-workload bootstrap tokens of local mode: ES256 JWTs signed with a key kept in the
 * control plane's state directory ({@value #KEY_FILE}), so that {@code skiff token create} and the control plane
 * find the same key. A token names the workload, its namespace and service account, and expires.
 */
public final class BootstrapTokens {
    public static final String KEY_FILE = "token-key.pem";
    static final String ISSUER = "skiff-control-plane";
    static final String AUDIENCE = "istio-ca";
    static final String CLAIM_WORKLOAD = "workload";
    static final String CLAIM_NAMESPACE = "namespace";
    static final String CLAIM_SERVICE_ACCOUNT = "service_account";

    private static final Logger log = LoggerFactory.getLogger(BootstrapTokens.class);

    private final String keyId;
    private final JWSSigner signer;
    private final JWSVerifier verifier;
    private final Clock clock;

    BootstrapTokens(KeyPair keyPair, Clock clock) {
        if (!(keyPair.getPublic() instanceof ECPublicKey publicKey)
                || !(keyPair.getPrivate() instanceof ECPrivateKey privateKey)) {
            throw new IllegalArgumentException("token key of type " + keyPair.getPublic().getAlgorithm()
                    + " (expected: an EC P-256 key pair)");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            this.keyId = new ECKey.Builder(Curve.P_256, publicKey).build().computeThumbprint().toString();
            this.signer = new ECDSASigner(privateKey);
            this.verifier = new ECDSAVerifier(publicKey);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable token key: " + e.getMessage(), e);
        }
    }

    /** Loads the token key from {@code stateDir}, creating it on first use. */
    public static BootstrapTokens loadOrCreate(Path stateDir, Clock clock) throws IOException {
        Path file = StateFiles.directory(stateDir).resolve(KEY_FILE);
        if (!Files.exists(file)) {
            KeyPair created = CertificateAuthority.newEcKeyPair();
            if (StateFiles.createIfAbsent(file, Pem.encodePrivateKey(created.getPrivate())
                    + Pem.encodePublicKey(created.getPublic()))) {
                log.info("created the bootstrap token key {}", file);
            }
        }
        return new BootstrapTokens(Pem.keyPair(StateFiles.read(file), file.toString()), clock);
    }

    /** A token for the workload, valid for {@code ttl}. */
    public String mint(String workload, String namespace, String serviceAccount, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("token TTL " + ttl + " (expected: > 0)");
        }
        Instant now = clock.instant();
        WorkloadToken claims = new WorkloadToken(workload, namespace, serviceAccount, now.plus(ttl));
        JWTClaimsSet set = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(claims.expiresAt()))
                .claim(CLAIM_WORKLOAD, claims.workload())
                .claim(CLAIM_NAMESPACE, claims.namespace())
                .claim(CLAIM_SERVICE_ACCOUNT, claims.serviceAccount())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(JOSEObjectType.JWT).keyID(keyId).build(), set);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the token: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /**
     * The bearer the token authenticates.
     *
     * @throws TokenException when the token is malformed, not signed with this control plane's key, expired, or
     *                        lacks a claim
     */
    public WorkloadToken verify(String token) throws TokenException {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new TokenException("the bearer token is not a signed JWT: " + e.getMessage());
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            throw new TokenException("the bearer token is signed with " + jwt.getHeader().getAlgorithm()
                    + " (expected: ES256, from 'skiff token create')");
        }
        try {
            if (!jwt.verify(verifier)) {
                throw new TokenException("the bearer token's signature does not verify with this control plane's "
                        + "token key (expected a token from 'skiff token create' with the control plane's "
                        + "--state-dir)");
            }
        } catch (JOSEException e) {
            throw new TokenException("cannot verify the bearer token's signature: " + e.getMessage());
        }
        if (!ISSUER.equals(claims.getIssuer()) || claims.getAudience() == null
                || !claims.getAudience().contains(AUDIENCE)) {
            throw new TokenException("the bearer token has issuer " + claims.getIssuer() + " and audience "
                    + claims.getAudience() + " (expected: issuer " + ISSUER + ", audience " + AUDIENCE + ")");
        }
        Date expiry = claims.getExpirationTime();
        if (expiry == null) {
            throw new TokenException("the bearer token has no expiry (expected an exp claim)");
        }
        Instant now = clock.instant();
        if (!expiry.toInstant().isAfter(now)) {
            throw new TokenException("the bearer token expired at " + expiry.toInstant()
                    + " (expected: a token valid now, " + now + "; mint a new one with 'skiff token create')");
        }
        try {
            return new WorkloadToken(stringClaim(claims, CLAIM_WORKLOAD), stringClaim(claims, CLAIM_NAMESPACE),
                    stringClaim(claims, CLAIM_SERVICE_ACCOUNT), expiry.toInstant());
        } catch (IllegalArgumentException e) {
            throw new TokenException("the bearer token's claims are invalid: " + e.getMessage());
        }
    }

    private static String stringClaim(JWTClaimsSet claims, String name) throws TokenException {
        try {
            String value = claims.getStringClaim(name);
            if (value == null) {
                throw new TokenException("the bearer token has no " + name + " claim");
            }
            return value;
        } catch (ParseException e) {
            throw new TokenException("the bearer token's " + name + " claim is not a string");
        }
    }
}
