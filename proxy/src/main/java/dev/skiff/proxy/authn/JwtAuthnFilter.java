package dev.skiff.proxy.authn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Envoy's JWT authentication filter ({@value #NAME}), run on a request's head before its RBAC filters: finds each
 * provider's token (headers with their prefix, query parameters, cookies), verifies it (an RS, PS or ES signature by
 * a key of the provider's key set, the issuer, the audiences, {@code exp} and {@code nbf} with the clock skew) and
 * evaluates the requirement. A request that fails it is refused with 401, Envoy's body ({@value #MISSING_BODY} or
 * {@value #FAILED_BODY}) and its {@code www-authenticate} challenge; one that passes gets the outputs of its verified tokens (payload and claim headers, the
 * token removed unless forwarded) and carries their payloads in its dynamic metadata, where RBAC matches
 * {@code request.auth.*}.
 *
 * <p>When a token needs keys that are still being fetched for the first time, the outcome is {@link Pending}: the
 * caller waits for it without blocking and authenticates again.
 */
public final class JwtAuthnFilter {
    public static final String NAME = "envoy.filters.http.jwt_authn";
    public static final String MISSING_BODY = "Jwt is missing";
    public static final String FAILED_BODY = "Jwt verification fails";

    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    /** What the filter decided. */
    public sealed interface Outcome {
    }

    /**
     * The request goes on.
     *
     * @param metadata the filter's dynamic metadata: each verified provider's payload under its
     *                 {@code payload_in_metadata} key; empty when no token verified
     */
    public record Passed(Map<String, Object> metadata) implements Outcome {
    }

    /** The request is refused with 401 and this body. */
    public record Rejected(String body) implements Outcome {

        /**
         * Envoy's 401: the body as plain text and a {@code www-authenticate} challenge whose realm is the request URL
         * without its query, with {@code error="invalid_token"} when a token failed.
         *
         * @param path the request path, query included
         */
        public FullHttpResponse response(String authority, String path, ByteBufAllocator alloc) {
            int query = path.indexOf('?');
            String realm = "http://" + authority + (query < 0 ? path : path.substring(0, query));
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.UNAUTHORIZED, ByteBufUtil.writeUtf8(alloc, body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                    .set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"" + realm + "\""
                            + (body.equals(FAILED_BODY) ? ", error=\"invalid_token\"" : ""));
            return response;
        }
    }

    /** Keys are being fetched; authenticate again once {@code ready} completes. */
    public record Pending(CompletableFuture<Void> ready) implements Outcome {
    }

    private static final Passed UNAUTHENTICATED = new Passed(Map.of());
    private static final Rejected MISSING = new Rejected(MISSING_BODY);
    private static final Rejected FAILED = new Rejected(FAILED_BODY);

    private enum Status { OK, MISSING, FAILED, PENDING }

    private JwtAuthnFilter() {
    }

    /**
     * Authenticates a request head; on {@link Passed} its headers already carry the outputs.
     *
     * @param nowSeconds the current time, in seconds since the epoch
     */
    public static Outcome authenticate(JwtAuthnSpec spec, HttpRequest request, long nowSeconds) {
        if (spec.bypassCorsPreflight() && isCorsPreflight(request)) {
            return UNAUTHENTICATED;
        }
        if (!mayCarryToken(spec, request)) {
            return spec.requirement().allowsMissing() ? UNAUTHENTICATED : MISSING;
        }
        Evaluation evaluation = new Evaluation(spec, request, nowSeconds);
        return switch (evaluation.evaluate(spec.requirement())) {
            case OK -> evaluation.pass();
            case MISSING -> MISSING;
            case FAILED -> FAILED;
            case PENDING -> new Pending(evaluation.pending);
        };
    }

    /** Whether any token location of any provider is present: the cheap check before tokens are extracted. */
    private static boolean mayCarryToken(JwtAuthnSpec spec, HttpRequest request) {
        HttpHeaders headers = request.headers();
        for (JwtProvider provider : spec.providers().values()) {
            List<JwtProvider.HeaderLocation> locations = provider.fromHeaders();
            for (int i = 0; i < locations.size(); i++) {
                if (headers.contains(locations.get(i).name())) {
                    return true;
                }
            }
            if (!provider.fromParams().isEmpty() && request.uri().indexOf('?') >= 0
                    || !provider.fromCookies().isEmpty() && headers.contains(HttpHeaderNames.COOKIE)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isCorsPreflight(HttpRequest request) {
        HttpHeaders headers = request.headers();
        return request.method().equals(HttpMethod.OPTIONS) && headers.contains(HttpHeaderNames.ORIGIN)
                && headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** One request's tokens and verification results, memoized by provider. */
    private static final class Evaluation {
        private final JwtAuthnSpec spec;
        private final HttpRequest request;
        private final long now;
        private final Map<String, Token> tokens = new HashMap<>();
        private final Map<String, Status> results = new HashMap<>();
        private final Map<String, Token> verified = new LinkedHashMap<>();
        private QueryStringDecoder query;
        private CompletableFuture<Void> pending;

        Evaluation(JwtAuthnSpec spec, HttpRequest request, long now) {
            this.spec = spec;
            this.request = request;
            this.now = now;
        }

        Status evaluate(JwtRequirement requirement) {
            return switch (requirement) {
                case JwtRequirement.Provider provider -> provider(provider.name(), provider.audiences());
                case JwtRequirement.RequiresAny any -> any(any.requirements());
                case JwtRequirement.RequiresAll all -> all(all.requirements());
                case JwtRequirement.AllowMissing ignored -> allowMissing(false);
                case JwtRequirement.AllowMissingOrFailed ignored -> allowMissing(true);
            };
        }

        private Status any(List<JwtRequirement> requirements) {
            Status result = Status.MISSING;
            for (JwtRequirement requirement : requirements) {
                Status status = evaluate(requirement);
                if (status == Status.OK) {
                    return Status.OK;
                }
                if (status == Status.PENDING || result != Status.PENDING && status == Status.FAILED) {
                    result = status;
                }
            }
            return result;
        }

        private Status all(List<JwtRequirement> requirements) {
            boolean pendingSeen = false;
            boolean missingSeen = false;
            for (JwtRequirement requirement : requirements) {
                switch (evaluate(requirement)) {
                    case FAILED -> {
                        return Status.FAILED;
                    }
                    case PENDING -> pendingSeen = true;
                    case MISSING -> missingSeen = true;
                    case OK -> {
                    }
                }
            }
            return pendingSeen ? Status.PENDING : missingSeen ? Status.MISSING : Status.OK;
        }

        /** Verifies every token present; no token is OK, one verified token is OK, else failed (unless ignored). */
        private Status allowMissing(boolean ignoreFailures) {
            Status result = Status.OK;
            boolean anyToken = false;
            for (String name : spec.providers().keySet()) {
                Status status = provider(name, null);
                if (status == Status.MISSING) {
                    continue;
                }
                anyToken = true;
                if (status == Status.OK && !ignoreFailures) {
                    return Status.OK;
                }
                if (status == Status.PENDING) {
                    result = Status.PENDING;
                } else if (status == Status.FAILED && result != Status.PENDING) {
                    result = ignoreFailures ? Status.OK : Status.FAILED;
                }
            }
            return anyToken ? result : Status.OK;
        }

        private Status provider(String name, List<String> audiences) {
            if (audiences == null) {
                Status known = results.get(name);
                if (known != null) {
                    return known;
                }
            }
            JwtProvider provider = spec.providers().get(name);
            Token token = token(provider);
            Status status = token == null ? Status.MISSING : verify(provider, token,
                    audiences != null ? audiences : provider.audiences());
            if (status == Status.OK) {
                verified.put(name, token);
            }
            if (audiences == null && status != Status.PENDING) {
                results.put(name, status);
            }
            return status;
        }

        private Token token(JwtProvider provider) {
            if (tokens.containsKey(provider.name())) {
                return tokens.get(provider.name());
            }
            Token token = find(provider);
            tokens.put(provider.name(), token);
            return token;
        }

        private Token find(JwtProvider provider) {
            HttpHeaders headers = request.headers();
            for (JwtProvider.HeaderLocation location : provider.fromHeaders()) {
                String value = headers.get(location.name());
                if (value != null && value.regionMatches(true, 0, location.prefix(), 0, location.prefix().length())) {
                    String token = value.substring(location.prefix().length()).trim();
                    if (!token.isEmpty()) {
                        return new Token(token, location.name());
                    }
                }
            }
            if (!provider.fromParams().isEmpty()) {
                if (query == null) {
                    query = new QueryStringDecoder(request.uri());
                }
                for (String param : provider.fromParams()) {
                    List<String> values = query.parameters().get(param);
                    if (values != null && !values.isEmpty() && !values.getFirst().isEmpty()) {
                        return new Token(values.getFirst(), null);
                    }
                }
            }
            if (!provider.fromCookies().isEmpty()) {
                String cookies = headers.get(HttpHeaderNames.COOKIE);
                if (cookies != null) {
                    for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(cookies)) {
                        if (provider.fromCookies().contains(cookie.name()) && !cookie.value().isEmpty()) {
                            return new Token(cookie.value(), null);
                        }
                    }
                }
            }
            return null;
        }

        private Status verify(JwtProvider provider, Token token, List<String> audiences) {
            SignedJWT jwt = token.parsed();
            if (jwt == null || !ALGORITHMS.contains(jwt.getHeader().getAlgorithm())) {
                return Status.FAILED;
            }
            Map<String, Object> payload = token.payload;
            if (!provider.issuer().isEmpty() && !provider.issuer().equals(payload.get("iss"))) {
                return Status.FAILED;
            }
            if (!audiences.isEmpty() && !hasAudience(payload.get("aud"), audiences)) {
                return Status.FAILED;
            }
            if (!timely(payload, provider)) {
                return Status.FAILED;
            }
            JWKSet keys = provider.jwks().keys();
            if (keys == null) {
                pending = provider.jwks().ready();
                return Status.PENDING;
            }
            return signatureVerifies(jwt, keys) ? Status.OK : Status.FAILED;
        }

        private boolean timely(Map<String, Object> payload, JwtProvider provider) {
            Object exp = payload.get("exp");
            Object nbf = payload.get("nbf");
            if (exp == null && provider.requireExpiration()) {
                return false;
            }
            if (exp != null && (!(exp instanceof Number expiry)
                    || now > expiry.longValue() + provider.clockSkewSeconds())) {
                return false;
            }
            return nbf == null || nbf instanceof Number notBefore
                    && notBefore.longValue() <= now + provider.clockSkewSeconds();
        }

        Passed pass() {
            if (verified.isEmpty()) {
                return UNAUTHENTICATED;
            }
            Map<String, Object> metadata = new HashMap<>();
            HttpHeaders headers = request.headers();
            for (Map.Entry<String, Token> entry : verified.entrySet()) {
                JwtProvider provider = spec.providers().get(entry.getKey());
                Token token = entry.getValue();
                if (!provider.payloadInMetadata().isEmpty()) {
                    metadata.put(provider.payloadInMetadata(), normalized(token.payload,
                            provider.spaceDelimitedClaims()));
                }
                if (!provider.forwardPayloadHeader().isEmpty()) {
                    headers.set(provider.forwardPayloadHeader(), token.parsed().getParsedParts()[1].toString());
                }
                for (JwtProvider.ClaimToHeader output : provider.claimToHeaders()) {
                    Object claim = token.payload.get(output.claim());
                    if (claim instanceof String || claim instanceof Number || claim instanceof Boolean) {
                        headers.set(output.header(), claim.toString());
                    }
                }
                if (!provider.forward() && token.header() != null) {
                    headers.remove(token.header());
                }
            }
            return new Passed(Map.copyOf(metadata));
        }
    }

    /** A token found in a request, parsed on first use. */
    private static final class Token {
        private final String text;
        private final String header;
        private boolean parsedOnce;
        private SignedJWT jwt;
        private Map<String, Object> payload;

        Token(String text, String header) {
            this.text = text;
            this.header = header;
        }

        String header() {
            return header;
        }

        SignedJWT parsed() {
            if (!parsedOnce) {
                parsedOnce = true;
                try {
                    SignedJWT parsedJwt = SignedJWT.parse(text);
                    payload = parsedJwt.getPayload().toJSONObject();
                    jwt = payload == null ? null : parsedJwt;
                } catch (ParseException e) {
                    jwt = null;
                }
            }
            return jwt;
        }
    }

    private static boolean hasAudience(Object aud, List<String> accepted) {
        if (aud instanceof String single) {
            return accepted.contains(single);
        }
        if (aud instanceof List<?> list) {
            for (Object value : list) {
                if (value instanceof String audience && accepted.contains(audience)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean signatureVerifies(SignedJWT jwt, JWKSet keys) {
        String kid = jwt.getHeader().getKeyID();
        JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
        for (JWK key : keys.getKeys()) {
            if (kid != null && key.getKeyID() != null && !kid.equals(key.getKeyID())) {
                continue;
            }
            if (key.getAlgorithm() != null && !key.getAlgorithm().equals(algorithm)) {
                continue;
            }
            try {
                JWSVerifier verifier = verifier(key, algorithm);
                if (verifier != null && jwt.verify(verifier)) {
                    return true;
                }
            } catch (JOSEException e) {
                // a key that cannot verify this algorithm: try the next one
            }
        }
        return false;
    }

    private static JWSVerifier verifier(JWK key, JWSAlgorithm algorithm) throws JOSEException {
        if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(algorithm)) {
            return new RSASSAVerifier(rsa);
        }
        if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(algorithm)) {
            return new ECDSAVerifier(ec);
        }
        return null;
    }

    /** The payload with each space-delimited string claim turned into the list of its words. */
    private static Map<String, Object> normalized(Map<String, Object> payload, Set<String> spaceDelimited) {
        Map<String, Object> copy = null;
        for (String claim : spaceDelimited) {
            if (payload.get(claim) instanceof String words) {
                if (copy == null) {
                    copy = new HashMap<>(payload);
                }
                List<String> split = new ArrayList<>();
                for (String word : words.trim().split(" +")) {
                    if (!word.isEmpty()) {
                        split.add(word);
                    }
                }
                copy.put(claim, List.copyOf(split));
            }
        }
        return copy == null ? payload : copy;
    }
}
