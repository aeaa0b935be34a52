package dev.skiff.proxy.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenBucketTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void startsFullAndCountsEveryToken() {
        TokenBucket bucket = new TokenBucket(3, 1, Duration.ofSeconds(1), now::get);

        assertThat(bucket.tryAcquire()).isEqualTo(2);
        assertThat(bucket.tryAcquire()).isEqualTo(1);
        assertThat(bucket.tryAcquire()).isEqualTo(0);
        assertThat(bucket.tryAcquire()).isEqualTo(-1);
        assertThat(bucket.tryAcquire()).isEqualTo(-1);
    }

    @Test
    void fillsTokensPerFillAtTheEndOfEachIntervalOnly() {
        TokenBucket bucket = new TokenBucket(10, 2, Duration.ofMillis(100), now::get);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire()).isEqualTo(9 - i);
        }
        now.addAndGet(Duration.ofMillis(99).toNanos());
        assertThat(bucket.tryAcquire()).isEqualTo(-1);

        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(bucket.tryAcquire()).isEqualTo(1);
        assertThat(bucket.tryAcquire()).isEqualTo(0);
        assertThat(bucket.tryAcquire()).isEqualTo(-1);

        now.addAndGet(Duration.ofMillis(300).toNanos());
        for (int i = 0; i < 6; i++) {
            assertThat(bucket.tryAcquire()).isEqualTo(5 - i);
        }
        assertThat(bucket.tryAcquire()).isEqualTo(-1);
    }

    @Test
    void neverHoldsMoreThanMaxTokens() {
        TokenBucket bucket = new TokenBucket(4, 3, Duration.ofMillis(10), now::get);
        assertThat(bucket.tryAcquire()).isEqualTo(3);

        now.addAndGet(Duration.ofHours(1).toNanos());

        assertThat(bucket.tryAcquire()).isEqualTo(3);
        assertThat(bucket.tryAcquire()).isEqualTo(2);
    }

    @Test
    void reportsTheTimeUntilTheNextFill() {
        TokenBucket bucket = new TokenBucket(1, 1, Duration.ofSeconds(1), now::get);
        assertThat(bucket.nanosUntilNextFill()).isEqualTo(Duration.ofSeconds(1).toNanos());

        now.addAndGet(Duration.ofMillis(250).toNanos());

        assertThat(bucket.nanosUntilNextFill()).isEqualTo(Duration.ofMillis(750).toNanos());
    }

    @Test
    void manyThreadsNeverTakeMoreThanTheBucketHolds() throws Exception {
        TokenBucket bucket = new TokenBucket(1_000, 7, Duration.ofMillis(1), now::get);
        int threads = 16;
        int attemptsPerThread = 20_000;
        int clockSteps = 50;
        AtomicLong admitted = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < attemptsPerThread; i++) {
                    if (id == 0 && i % (attemptsPerThread / clockSteps) == 0) {
                        now.addAndGet(Duration.ofMillis(1).toNanos());
                    }
                    if (bucket.tryAcquire() >= 0) {
                        admitted.incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }

        assertThat(admitted.get()).isLessThanOrEqualTo(1_000 + clockSteps * 7L).isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void frozenClockAdmitsExactlyTheBucketAcrossThreads() throws Exception {
        TokenBucket bucket = new TokenBucket(5_000, 1, Duration.ofSeconds(1), now::get);
        AtomicLong admitted = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2_000; i++) {
                    if (bucket.tryAcquire() >= 0) {
                        admitted.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }

        assertThat(admitted.get()).isEqualTo(5_000);
    }

    @Test
    void policiesConfiguredAlikeAreEqualWhateverTheirBucketsHold() {
        TokenBucket used = new TokenBucket(2, 1, Duration.ofSeconds(1), now::get);
        used.tryAcquire();
        LocalRateLimitPolicy a = new LocalRateLimitPolicy(used, LocalRateLimitPolicy.MILLION,
                LocalRateLimitPolicy.MILLION, 429, java.util.List.of(), true);
        LocalRateLimitPolicy b = new LocalRateLimitPolicy(new TokenBucket(2, 1, Duration.ofSeconds(1), now::get),
                LocalRateLimitPolicy.MILLION, LocalRateLimitPolicy.MILLION, 429, java.util.List.of(), true);
        LocalRateLimitPolicy other = new LocalRateLimitPolicy(new TokenBucket(3, 1, Duration.ofSeconds(1),
                now::get), LocalRateLimitPolicy.MILLION, LocalRateLimitPolicy.MILLION, 429, java.util.List.of(), true);

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(other);
    }

    @Test
    void rejectsBucketsOutOfRange() {
        assertThatThrownBy(() -> new TokenBucket(0, 1, Duration.ofSeconds(1), now::get))
                .hasMessageContaining("max_tokens must be between 1 and");
        assertThatThrownBy(() -> new TokenBucket(1, 0, Duration.ofSeconds(1), now::get))
                .hasMessageContaining("tokens_per_fill must be at least 1");
        assertThatThrownBy(() -> new TokenBucket(1, 1, Duration.ZERO, now::get))
                .hasMessageContaining("fill_interval must be positive");
    }
}
