package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OnceMapTest {

    @Test
    void concurrentCallersShareOneComputation() throws Exception {
        OnceMap<String, Integer> map = new OnceMap<>();
        AtomicInteger computations = new AtomicInteger();
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                results.add(threads.submit(() -> map.get("scope", key -> {
                    computations.incrementAndGet();
                    computing.countDown();
                    try {
                        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return key.length();
                })));
            }
            assertThat(computing.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(map.get("other", String::length)).as("another key does not wait for the first").isEqualTo(5);
            release.countDown();
            for (Future<Integer> result : results) {
                assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(5);
            }
        }
        assertThat(computations).hasValue(1);
    }

    @Test
    void aFailedComputationIsForgottenAndRetried() {
        OnceMap<String, Integer> map = new OnceMap<>();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> map.get("key", key -> {
            attempts.incrementAndGet();
            throw new IllegalArgumentException("bad input");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad input");

        assertThat(map.get("key", key -> attempts.incrementAndGet())).isEqualTo(2);
        assertThat(map.get("key", key -> attempts.incrementAndGet())).as("kept once computed").isEqualTo(2);
    }
}
