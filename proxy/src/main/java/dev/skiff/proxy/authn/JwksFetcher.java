package dev.skiff.proxy.authn;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Owns the fetching of remote key sets: an HTTP client on a small executor of daemon threads (fetches are
 * asynchronous; nothing waits for them) and one {@link RemoteJwks} per URL, timeout and cache duration, so that a
 * configuration pushed again keeps its cached keys (and compares equal).
 */
public final class JwksFetcher {
    private static final JwksFetcher SHARED = new JwksFetcher(System::nanoTime);

    private record Key(URI uri, Duration timeout, Duration cacheDuration) {
    }

    private final Map<Key, RemoteJwks> sources = new ConcurrentHashMap<>();
    private final HttpClient client;
    private final LongSupplier nanoTime;

    JwksFetcher(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "skiff-jwks-fetch-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        this.client = HttpClient.newBuilder().executor(pool).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** The fetcher every translated configuration shares. */
    public static JwksFetcher shared() {
        return SHARED;
    }

    /** The key set at {@code uri}, the same instance for the same URL, timeout and cache duration. */
    public RemoteJwks remote(URI uri, Duration timeout, Duration cacheDuration) {
        return sources.computeIfAbsent(new Key(uri, timeout, cacheDuration),
                key -> new RemoteJwks(key.uri(), key.timeout(), key.cacheDuration(), client, nanoTime));
    }
}
