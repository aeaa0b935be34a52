package dev.skiff.proxy.authn;

import com.nimbusds.jose.jwk.JWKSet;

import java.util.concurrent.CompletableFuture;

/** Where a JWT provider's verification keys come from: inline ({@link LocalJwks}) or fetched ({@link RemoteJwks}). */
public sealed interface JwksSource permits LocalJwks, RemoteJwks {

    /**
     * The keys to verify with now; null only while a first fetch is under way ({@link #ready()} says when it ends).
     * An empty set when fetching failed. Never blocks.
     */
    JWKSet keys();

    /** Completes once {@link #keys()} no longer returns null. */
    CompletableFuture<Void> ready();
}
