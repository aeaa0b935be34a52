package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.OutlierDetectionSpec;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Envoy's outlier detection for one cluster: consecutive 5xx, consecutive gateway failures and (when split)
 * consecutive local-origin failures eject a host for {@code base_ejection_time} times the number of times it was
 * ejected (capped by {@code max_ejection_time}), unless {@code max_ejection_percent} of the hosts are out already.
 * Results are counted on the request path with atomics only; {@link #sweep()} runs every {@code interval} from one
 * event loop and brings hosts back when their time is up. Balancers see ejections through {@link #isEjected} and
 * notice changes through {@link #version()}.
 */
public final class OutlierDetector {

    private static final long NOT_EJECTED = 0;

    private final OutlierDetectionSpec spec;
    private final LongSupplier nanoClock;
    private final List<UpstreamHost> hosts;
    private final Map<UpstreamHost, HostState> states;
    private final AtomicInteger ejected = new AtomicInteger();
    private final AtomicInteger version = new AtomicInteger();
    private volatile long nextSweepNanos;

    /**
     * @param hosts     the cluster's hosts
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     */
    public OutlierDetector(OutlierDetectionSpec spec, List<UpstreamHost> hosts, LongSupplier nanoClock) {
        this(spec, hosts, nanoClock, null);
    }

    /**
     * @param previous the detector of the cluster's previous runtime (same spec), whose state for the hosts both
     *                 share goes on here, or null
     */
    public OutlierDetector(OutlierDetectionSpec spec, List<UpstreamHost> hosts, LongSupplier nanoClock,
                           OutlierDetector previous) {
        this.spec = spec;
        this.nanoClock = nanoClock;
        this.hosts = List.copyOf(hosts);
        Map<UpstreamHost, HostState> byHost = new IdentityHashMap<>();
        int alreadyEjected = 0;
        for (UpstreamHost host : this.hosts) {
            HostState state = previous == null ? null : previous.states.get(host);
            if (state == null) {
                state = new HostState();
            } else if (state.ejectedUntilNanos.get() != NOT_EJECTED) {
                alreadyEjected++;
            }
            byHost.put(host, state);
        }
        this.states = byHost;
        this.ejected.set(alreadyEjected);
        this.nextSweepNanos = previous == null ? nanoClock.getAsLong() + spec.interval().toNanos()
                : previous.nextSweepNanos;
    }

    public OutlierDetectionSpec spec() {
        return spec;
    }

    /** Whether {@code host} is ejected now. */
    public boolean isEjected(UpstreamHost host) {
        HostState state = states.get(host);
        return state != null && state.ejectedUntilNanos.get() != NOT_EJECTED;
    }

    /** How many hosts are ejected now. */
    public int ejectedCount() {
        return ejected.get();
    }

    /** Changes whenever a host is ejected or brought back. */
    public int version() {
        return version.get();
    }

    /** How many times {@code host} was ejected lately (the multiplier of its next ejection time). */
    public int ejectionMultiplier(UpstreamHost host) {
        HostState state = states.get(host);
        return state == null ? 0 : state.ejections.get();
    }

    /** Counts one request's outcome against {@code host}; may eject it. Safe from any event loop. */
    public void report(UpstreamHost host, OutlierResult result, int responseCode) {
        HostState state = states.get(host);
        if (state == null) {
            return;
        }
        switch (result) {
            case NONE -> {
            }
            case HTTP_RESPONSE -> {
                if (spec.splitExternalLocalOriginErrors()) {
                    state.localOrigin.set(0);
                }
                httpCode(host, state, responseCode);
            }
            case EXT_ORIGIN_REQUEST_FAILED -> httpCode(host, state, 503);
            case LOCAL_ORIGIN_CONNECT_FAILED, LOCAL_ORIGIN_TIMEOUT -> {
                if (spec.splitExternalLocalOriginErrors()) {
                    if (spec.consecutiveLocalOriginFailure() > 0
                            && state.localOrigin.incrementAndGet() >= spec.consecutiveLocalOriginFailure()) {
                        state.localOrigin.set(0);
                        maybeEject(host, state, spec.enforcingConsecutiveLocalOriginFailure());
                    }
                } else {
                    httpCode(host, state, result == OutlierResult.LOCAL_ORIGIN_TIMEOUT ? 504 : 503);
                }
            }
        }
    }

    private void httpCode(UpstreamHost host, HostState state, int code) {
        if (code < 500) {
            state.consecutive5xx.set(0);
            state.consecutiveGateway.set(0);
            return;
        }
        boolean gateway = code == 502 || code == 503 || code == 504;
        if (gateway) {
            if (spec.consecutiveGatewayFailure() > 0
                    && state.consecutiveGateway.incrementAndGet() >= spec.consecutiveGatewayFailure()) {
                state.consecutiveGateway.set(0);
                if (maybeEject(host, state, spec.enforcingConsecutiveGatewayFailure())) {
                    state.consecutive5xx.set(0);
                    return;
                }
            }
        } else {
            state.consecutiveGateway.set(0);
        }
        if (spec.consecutive5xx() > 0 && state.consecutive5xx.incrementAndGet() >= spec.consecutive5xx()) {
            state.consecutive5xx.set(0);
            maybeEject(host, state, spec.enforcingConsecutive5xx());
        }
    }

    private boolean maybeEject(UpstreamHost host, HostState state, int enforcingPercent) {
        if (enforcingPercent <= 0
                || (enforcingPercent < 100 && ThreadLocalRandom.current().nextInt(100) >= enforcingPercent)) {
            return false;
        }
        int current;
        do {
            current = ejected.get();
            if ((current + 1) * 100L > (long) spec.maxEjectionPercent() * hosts.size()) {
                return false;
            }
        } while (!ejected.compareAndSet(current, current + 1));
        long base = spec.baseEjectionTime().toNanos();
        long cap = Math.max(base, spec.maxEjectionTime().toNanos());
        int times = state.ejections.get() + 1;
        long duration = times > cap / base ? cap : base * times;
        long until = nanoClock.getAsLong() + duration;
        if (!state.ejectedUntilNanos.compareAndSet(NOT_EJECTED, until == NOT_EJECTED ? 1 : until)) {
            ejected.decrementAndGet();
            return false;
        }
        state.ejections.incrementAndGet();
        version.incrementAndGet();
        return true;
    }

    /**
     * Runs the interval sweep when it is due: hosts whose ejection time is over come back (with their counters
     * reset); hosts that stayed in for a whole interval have their ejection multiplier lowered by one.
     *
     * @return whether a sweep ran
     */
    public boolean sweepIfDue() {
        long now = nanoClock.getAsLong();
        if (now - nextSweepNanos < 0) {
            return false;
        }
        nextSweepNanos = now + spec.interval().toNanos();
        sweep(now);
        return true;
    }

    /** Runs the interval sweep now. */
    public void sweep() {
        long now = nanoClock.getAsLong();
        nextSweepNanos = now + spec.interval().toNanos();
        sweep(now);
    }

    private void sweep(long now) {
        for (UpstreamHost host : hosts) {
            HostState state = states.get(host);
            long until = state.ejectedUntilNanos.get();
            if (until != NOT_EJECTED) {
                if (now - until >= 0 && state.ejectedUntilNanos.compareAndSet(until, NOT_EJECTED)) {
                    state.consecutive5xx.set(0);
                    state.consecutiveGateway.set(0);
                    state.localOrigin.set(0);
                    ejected.decrementAndGet();
                    version.incrementAndGet();
                }
            } else {
                state.ejections.updateAndGet(times -> times > 0 ? times - 1 : 0);
            }
        }
    }

    /** The live state of one host. */
    private static final class HostState {
        final AtomicInteger consecutive5xx = new AtomicInteger();
        final AtomicInteger consecutiveGateway = new AtomicInteger();
        final AtomicInteger localOrigin = new AtomicInteger();
        final AtomicInteger ejections = new AtomicInteger();
        /** When the ejection ends (on the detector's clock), or {@link #NOT_EJECTED}. */
        final AtomicLong ejectedUntilNanos = new AtomicLong(NOT_EJECTED);
    }
}
