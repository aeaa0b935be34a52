package dev.skiff.proxy.authn;

import com.nimbusds.jose.jwk.JWKSet;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * A JSON Web Key Set fetched from a URL ({@code remote_jwks}) asynchronously by an HTTP client that runs on a small
 * background executor, never on an event loop, and never waited for: the first request that needs the keys starts
 * the fetch, and the keys are kept for the cache duration; after that the next request starts a refresh and keeps
 * using the cached keys until it lands. A failed fetch leaves the previous keys (none, the first time: tokens of this
 * provider then fail) and is retried one second later. Shared by every event loop: the state is one volatile
 * immutable record.
 */
public final class RemoteJwks implements JwksSource {
    private static final Duration RETRY = Duration.ofSeconds(1);

    private record State(JWKSet keys, long refreshAtNanos) {
    }

    private final URI uri;
    private final Duration timeout;
    private final Duration cacheDuration;
    private final HttpClient client;
    private final LongSupplier nanoTime;
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final CompletableFuture<Void> firstFetch = new CompletableFuture<>();
    private volatile State state = new State(null, Long.MIN_VALUE);

    /**
     * @param client fetches asynchronously on its own small executor; nothing here waits for it
     */
    RemoteJwks(URI uri, Duration timeout, Duration cacheDuration, HttpClient client, LongSupplier nanoTime) {
        this.uri = uri;
        this.timeout = timeout;
        this.cacheDuration = cacheDuration;
        this.client = client;
        this.nanoTime = nanoTime;
    }

    public URI uri() {
        return uri;
    }

    @Override
    public JWKSet keys() {
        State current = state;
        if (current.keys() == null || nanoTime.getAsLong() - current.refreshAtNanos() >= 0) {
            startFetch();
        }
        return current.keys();
    }

    @Override
    public CompletableFuture<Void> ready() {
        keys();
        return firstFetch;
    }

    private void startFetch() {
        if (fetching.compareAndSet(false, true)) {
            State previous = state;
            client.sendAsync(HttpRequest.newBuilder(uri).timeout(timeout).header("accept", "application/json")
                    .GET().build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, error) -> fetched(previous, response, error));
        }
    }

    private void fetched(State previous, HttpResponse<String> response, Throwable error) {
        try {
            if (error != null || response.statusCode() != 200) {
                failed(previous);
            } else {
                state = new State(JWKSet.parse(response.body()), nanoTime.getAsLong() + cacheDuration.toNanos());
            }
        } catch (ParseException e) {
            failed(previous);
        } finally {
            fetching.set(false);
            firstFetch.complete(null);
        }
    }

    private void failed(State previous) {
        JWKSet keys = previous.keys() != null ? previous.keys() : new JWKSet(List.of());
        state = new State(keys, nanoTime.getAsLong() + RETRY.toNanos());
    }

    @Override
    public String toString() {
        return "RemoteJwks[" + uri + "]";
    }
}
