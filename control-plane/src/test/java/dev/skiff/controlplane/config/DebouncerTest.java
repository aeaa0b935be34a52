package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DebouncerTest {
    private final ManualTime time = new ManualTime();
    private final AtomicInteger runs = new AtomicInteger();
    private final Debouncer debouncer = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(1), time, time,
            runs::incrementAndGet);

    @Test
    void runsOnceAfterTheQuietPeriod() {
        debouncer.signal();
        time.advance(Duration.ofMillis(99));
        assertThat(runs).hasValue(0);

        time.advance(Duration.ofMillis(1));
        assertThat(runs).hasValue(1);

        time.advance(Duration.ofSeconds(5));
        assertThat(runs).hasValue(1);
        assertThat(time.pendingTasks()).isZero();
    }

    @Test
    void aBurstOfSignalsRunsOnce() {
        for (int i = 0; i < 5; i++) {
            debouncer.signal();
            time.advance(Duration.ofMillis(50));
        }
        assertThat(runs).hasValue(0);

        time.advance(Duration.ofMillis(50));
        assertThat(runs).hasValue(1);
    }

    @Test
    void signalsThatNeverStopStillRunAtTheMaxWait() {
        for (int i = 0; i < 19; i++) {
            debouncer.signal();
            time.advance(Duration.ofMillis(50));
        }
        assertThat(runs).hasValue(0);
        debouncer.signal();
        time.advance(Duration.ofMillis(50));
        assertThat(runs).hasValue(1);

        debouncer.signal();
        time.advance(Duration.ofMillis(100));
        assertThat(runs).hasValue(2);
    }

    @Test
    void aSignalDuringTheActionStartsTheNextBurst() {
        AtomicInteger actionRuns = new AtomicInteger();
        Debouncer[] self = new Debouncer[1];
        self[0] = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(1), time, time, () -> {
            if (actionRuns.incrementAndGet() == 1) {
                self[0].signal();
            }
        });

        self[0].signal();
        time.advance(Duration.ofMillis(100));
        assertThat(actionRuns).hasValue(1);
        time.advance(Duration.ofMillis(100));
        assertThat(actionRuns).hasValue(2);
    }

    @Test
    void closeDropsThePendingRun() {
        debouncer.signal();
        debouncer.close();
        time.advance(Duration.ofSeconds(2));
        debouncer.signal();
        time.advance(Duration.ofSeconds(2));

        assertThat(runs).hasValue(0);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new Debouncer(Duration.ZERO, Duration.ofSeconds(1), time, time, () -> { }))
                .hasMessage("quietPeriod: PT0S (expected: > 0)");
        assertThatThrownBy(() -> new Debouncer(Duration.ofSeconds(2), Duration.ofSeconds(1), time, time, () -> { }))
                .hasMessage("maxWait: PT1S (expected: >= quietPeriod PT2S)");
    }
}
