package dev.skiff.controlplane.xds.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
    @Test
    void tasksFromManyThreadsRunOneAtATimeInSubmissionOrderPerThread() throws InterruptedException {
        int threads = 8;
        int perThread = 2_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(new ArrayList<>());
        }
        CountDownLatch done = new CountDownLatch(threads * perThread);
        try (ExecutorService pool = Executors.newFixedThreadPool(4);
             ExecutorService submitters = Executors.newFixedThreadPool(threads)) {
            SerialExecutor serial = new SerialExecutor(pool);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                submitters.execute(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int value = i;
                        serial.execute(() -> {
                            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                            seen.get(thread).add(value);
                            running.decrementAndGet();
                            done.countDown();
                        });
                    }
                });
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(maxRunning.get()).as("never two tasks at once").isEqualTo(1);
        for (List<Integer> values : seen) {
            assertThat(values).hasSize(perThread).isSorted();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheOnesAfterIt() throws InterruptedException {
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            SerialExecutor serial = new SerialExecutor(pool);
            CountDownLatch after = new CountDownLatch(1);
            serial.execute(() -> {
                throw new IllegalStateException("a broken task, on purpose");
            });
            serial.execute(after::countDown);
            assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
