package dev.skiff.proxy.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket shared by every event loop, as Envoy's local rate limit keeps it: it starts full with
 * {@code maxTokens}, gains {@code tokensPerFill} at the end of each {@code fillInterval} (never beyond
 * {@code maxTokens}), and each admitted request takes one token.
 *
 * <p>There is no timer: the fills due are computed on acquire from the injected clock. The whole state (the index
 * of the last fill applied and the tokens left) is packed into one {@code long} and updated with a CAS loop, so
 * acquiring is lock-free and allocation-free and no more requests are admitted than the bucket allows, whatever
 * the number of threads. The fill index takes the upper 40 bits (over 34 years of 1 ms fills), the tokens the
 * lower {@value #TOKEN_BITS} bits, hence {@link #MAX_TOKENS}.
 */
public final class TokenBucket {

    static final int TOKEN_BITS = 24;
    /** The largest bucket this implementation holds. */
    public static final long MAX_TOKENS = (1L << TOKEN_BITS) - 1;
    private static final long TOKEN_MASK = MAX_TOKENS;

    private final long maxTokens;
    private final long tokensPerFill;
    private final long fillIntervalNanos;
    private final long fillsToFull;
    private final LongSupplier nanoClock;
    private final long origin;
    private final AtomicLong state;

    /**
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} in production)
     * @throws IllegalArgumentException when a figure is out of range
     */
    public TokenBucket(long maxTokens, long tokensPerFill, Duration fillInterval, LongSupplier nanoClock) {
        if (maxTokens < 1 || maxTokens > MAX_TOKENS) {
            throw new IllegalArgumentException(
                    "token bucket max_tokens must be between 1 and " + MAX_TOKENS + ", got " + maxTokens);
        }
        if (tokensPerFill < 1) {
            throw new IllegalArgumentException("token bucket tokens_per_fill must be at least 1, got " + tokensPerFill);
        }
        if (fillInterval == null || fillInterval.isNegative() || fillInterval.isZero()) {
            throw new IllegalArgumentException("token bucket fill_interval must be positive, got " + fillInterval);
        }
        this.maxTokens = maxTokens;
        this.tokensPerFill = tokensPerFill;
        this.fillIntervalNanos = fillInterval.toNanos();
        this.fillsToFull = (maxTokens + tokensPerFill - 1) / tokensPerFill;
        this.nanoClock = nanoClock;
        this.origin = nanoClock.getAsLong();
        this.state = new AtomicLong(maxTokens);
    }

    /** Whether {@code other} has the same capacity, fill and interval (whatever tokens either holds now). */
    public boolean sameSettings(TokenBucket other) {
        return maxTokens == other.maxTokens && tokensPerFill == other.tokensPerFill
                && fillIntervalNanos == other.fillIntervalNanos;
    }

    /** A hash of the settings compared by {@link #sameSettings}. */
    public int settingsHash() {
        return (Long.hashCode(maxTokens) * 31 + Long.hashCode(tokensPerFill)) * 31
                + Long.hashCode(fillIntervalNanos);
    }

    /** The bucket's capacity. */
    public long maxTokens() {
        return maxTokens;
    }

    /**
     * Takes one token when there is one.
     *
     * @return the tokens left after taking one (0 or more), or -1 when the bucket is empty and the request is to
     *         be limited
     */
    public long tryAcquire() {
        long fillIndex = currentFillIndex();
        while (true) {
            long current = state.get();
            long index = current >>> TOKEN_BITS;
            long tokens = current & TOKEN_MASK;
            if (fillIndex > index) {
                long fills = fillIndex - index;
                tokens = fills >= fillsToFull ? maxTokens : Math.min(maxTokens, tokens + fills * tokensPerFill);
                index = fillIndex;
            }
            if (tokens == 0) {
                return -1;
            }
            long next = (index << TOKEN_BITS) | (tokens - 1);
            if (state.compareAndSet(current, next)) {
                return tokens - 1;
            }
        }
    }

    /** Nanoseconds until the next fill, as Envoy reports in {@code x-ratelimit-reset}. */
    public long nanosUntilNextFill() {
        long elapsed = nanoClock.getAsLong() - origin;
        return fillIntervalNanos - Math.floorMod(elapsed, fillIntervalNanos);
    }

    private long currentFillIndex() {
        long elapsed = nanoClock.getAsLong() - origin;
        return elapsed <= 0 ? 0 : elapsed / fillIntervalNanos;
    }
}
