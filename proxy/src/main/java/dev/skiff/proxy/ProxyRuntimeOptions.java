package dev.skiff.proxy;

import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.peerexchange.PeerExchange;
import dev.skiff.proxy.transport.OriginalDestination;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * How a {@link ProxyRuntime} runs.
 *
 * @param eventLoopThreads    event loops to run, {@code >= 1} (by default the number of cores)
 * @param randomFactory       makes one random generator per event loop (weighted picks, balancers, request ids);
 *                            each generator is used by its loop only
 * @param requestListener     told about every finished request and TCP connection
 * @param originalDestination finds the original destination of redirected connections
 * @param drainTimeout        how long connections of a removed listener may finish their work, {@code >= 0}
 * @param drainTime           how long connections of a listener whose filter chains were replaced (a new
 *                            authorization policy, say) may keep serving under the old ones before they are closed,
 *                            {@code >= 0}: Envoy's {@code --drain-time-s}, 45 s in Istio
 * @param peerExchange        what this sidecar sends in Istio's TCP metadata exchange (its workload metadata)
 */
public record ProxyRuntimeOptions(int eventLoopThreads, Supplier<RandomGenerator> randomFactory,
                                  RequestListener requestListener, OriginalDestination originalDestination,
                                  Duration drainTimeout, Duration drainTime, PeerExchange peerExchange) {

    /** Istio's drain duration: what {@link #drainTime} is unless set. */
    public static final Duration DEFAULT_DRAIN_TIME = Duration.ofSeconds(45);

    public ProxyRuntimeOptions {
        if (eventLoopThreads < 1) {
            throw new IllegalArgumentException("eventLoopThreads: " + eventLoopThreads + " (expected: >= 1)");
        }
        Objects.requireNonNull(randomFactory, "randomFactory: null (expected: a factory of random generators)");
        Objects.requireNonNull(requestListener, "requestListener: null (expected: a listener or RequestListener.NONE)");
        Objects.requireNonNull(originalDestination,
                "originalDestination: null (expected: a resolver or OriginalDestination.NONE)");
        Objects.requireNonNull(drainTimeout, "drainTimeout: null (expected: a duration >= 0)");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
        }
        Objects.requireNonNull(drainTime, "drainTime: null (expected: a duration >= 0)");
        if (drainTime.isNegative()) {
            throw new IllegalArgumentException("drainTime: " + drainTime + " (expected: >= 0)");
        }
        Objects.requireNonNull(peerExchange, "peerExchange: null (expected: an exchange or PeerExchange.NONE)");
    }

    /** Options whose TCP metadata exchange sends no workload metadata. */
    public ProxyRuntimeOptions(int eventLoopThreads, Supplier<RandomGenerator> randomFactory,
                               RequestListener requestListener, OriginalDestination originalDestination,
                               Duration drainTimeout, Duration drainTime) {
        this(eventLoopThreads, randomFactory, requestListener, originalDestination, drainTimeout, drainTime,
                PeerExchange.NONE);
    }

    /** Options with Istio's 45 s {@link #drainTime}. */
    public ProxyRuntimeOptions(int eventLoopThreads, Supplier<RandomGenerator> randomFactory,
                               RequestListener requestListener, OriginalDestination originalDestination,
                               Duration drainTimeout) {
        this(eventLoopThreads, randomFactory, requestListener, originalDestination, drainTimeout,
                DEFAULT_DRAIN_TIME);
    }

    /**
     * One event loop per core, fresh random generators, no request listener, no redirection, 5 s drain of removed
     * listeners, 45 s drain of replaced filter chains.
     */
    public static ProxyRuntimeOptions defaults() {
        return new ProxyRuntimeOptions(Runtime.getRuntime().availableProcessors(), SplittableRandom::new,
                RequestListener.NONE, OriginalDestination.NONE, Duration.ofSeconds(5));
    }

    public ProxyRuntimeOptions withEventLoopThreads(int threads) {
        return new ProxyRuntimeOptions(threads, randomFactory, requestListener, originalDestination, drainTimeout,
                drainTime, peerExchange);
    }

    public ProxyRuntimeOptions withRandomFactory(Supplier<RandomGenerator> factory) {
        return new ProxyRuntimeOptions(eventLoopThreads, factory, requestListener, originalDestination, drainTimeout,
                drainTime, peerExchange);
    }

    public ProxyRuntimeOptions withRequestListener(RequestListener listener) {
        return new ProxyRuntimeOptions(eventLoopThreads, randomFactory, listener, originalDestination, drainTimeout,
                drainTime, peerExchange);
    }

    public ProxyRuntimeOptions withOriginalDestination(OriginalDestination resolver) {
        return new ProxyRuntimeOptions(eventLoopThreads, randomFactory, requestListener, resolver, drainTimeout,
                drainTime, peerExchange);
    }

    public ProxyRuntimeOptions withDrainTimeout(Duration timeout) {
        return new ProxyRuntimeOptions(eventLoopThreads, randomFactory, requestListener, originalDestination, timeout,
                drainTime, peerExchange);
    }

    public ProxyRuntimeOptions withDrainTime(Duration time) {
        return new ProxyRuntimeOptions(eventLoopThreads, randomFactory, requestListener, originalDestination,
                drainTimeout, time, peerExchange);
    }

    public ProxyRuntimeOptions withPeerExchange(PeerExchange exchange) {
        return new ProxyRuntimeOptions(eventLoopThreads, randomFactory, requestListener, originalDestination,
                drainTimeout, drainTime, exchange);
    }
}
