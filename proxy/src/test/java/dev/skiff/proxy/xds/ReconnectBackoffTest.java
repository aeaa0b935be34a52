package dev.skiff.proxy.xds;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReconnectBackoffTest {
    @Test
    void doublesWithJitterUpToTheCapAndStartsOverAfterReset() {
        ReconnectBackoff backoff = ReconnectBackoff.standard(new SplittableRandom(42));
        long[] ceilingsMillis = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};

        for (long ceiling : ceilingsMillis) {
            assertThat(backoff.nextDelay()).isBetween(Duration.ofMillis(ceiling / 2), Duration.ofMillis(ceiling));
        }
        backoff.reset();
        assertThat(backoff.nextDelay()).isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
    }

    @Test
    void spreadsDelaysOfTheSameAttempt() {
        SplittableRandom random = new SplittableRandom(1);
        long distinct = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8), random).nextDelay())
                .distinct().count();

        assertThat(distinct).isGreaterThan(10);
    }

    @Test
    void staysAtTheCapForeverWithoutOverflow() {
        ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofMillis(1), Duration.ofDays(1), new SplittableRandom(3));
        Duration last = Duration.ZERO;
        for (int i = 0; i < 200; i++) {
            last = backoff.nextDelay();
        }
        assertThat(last).isBetween(Duration.ofHours(12), Duration.ofDays(1));
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> new ReconnectBackoff(Duration.ZERO, Duration.ofSeconds(1), new SplittableRandom()))
                .hasMessage("backoff base: PT0S (expected: > 0)");
        assertThatThrownBy(() -> new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1),
                new SplittableRandom()))
                .hasMessage("backoff cap: PT1S (expected: >= base PT2S)");
    }
}
