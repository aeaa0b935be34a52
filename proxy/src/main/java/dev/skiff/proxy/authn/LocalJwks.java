package dev.skiff.proxy.authn;

import com.nimbusds.jose.jwk.JWKSet;

import java.text.ParseException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** A JSON Web Key Set given inline ({@code local_jwks.inline_string}); equal when the JSON text is. */
public final class LocalJwks implements JwksSource {
    private static final CompletableFuture<Void> READY = CompletableFuture.completedFuture(null);

    private final String json;
    private final JWKSet keys;

    /** @throws ParseException when {@code json} is not a JSON Web Key Set */
    public LocalJwks(String json) throws ParseException {
        this.json = Objects.requireNonNull(json, "json");
        this.keys = JWKSet.parse(json);
    }

    @Override
    public JWKSet keys() {
        return keys;
    }

    @Override
    public CompletableFuture<Void> ready() {
        return READY;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LocalJwks that && json.equals(that.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return "LocalJwks[" + keys.size() + " keys]";
    }
}
