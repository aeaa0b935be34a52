package dev.skiff.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {

    @Test
    void requestsAreDueOnAFixedTimelineFromTheStart() {
        Schedule s = new Schedule(1000, 4, Duration.ofSeconds(2), Duration.ofSeconds(8));
        assertThat(s.intendedNanos(5_000, 0)).isEqualTo(5_000);
        assertThat(s.intendedNanos(5_000, 1)).isEqualTo(5_000 + 1_000_000);
        assertThat(s.intendedNanos(5_000, 2500)).isEqualTo(5_000 + 2_500_000_000L);
        assertThat(s.totalRequests()).isEqualTo(10_000);
        assertThat(s.warmupRequests()).isEqualTo(2_000);
        assertThat(s.measuredRequests()).isEqualTo(8_000);
        assertThat(s.timelineNanos()).isEqualTo(10_000_000_000L);
    }

    @Test
    void intendedTimesDoNotDriftWhenTheIntervalIsNotAWholeNumberOfNanoseconds() {
        Schedule s = new Schedule(3, 1, Duration.ZERO, Duration.ofSeconds(1));
        assertThat(s.intendedNanos(0, 1)).isEqualTo(333_333_333L);
        assertThat(s.intendedNanos(0, 2)).isEqualTo(666_666_666L);
        assertThat(s.intendedNanos(0, 3)).isEqualTo(1_000_000_000L);
        assertThat(s.intendedNanos(0, 3_000)).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void theWarmupBoundaryFollowsTheIntendedTimes() {
        Schedule s = new Schedule(7, 2, Duration.ofMillis(500), Duration.ofSeconds(1));
        assertThat(s.warmupRequests()).isEqualTo(4);
        assertThat(s.intendedNanos(0, 3)).isLessThan(500_000_000L);
        assertThat(s.intendedNanos(0, 4)).isGreaterThanOrEqualTo(500_000_000L);
        assertThat(s.isMeasured(3)).isFalse();
        assertThat(s.isMeasured(4)).isTrue();
        long timeline = s.timelineNanos();
        long total = s.totalRequests();
        assertThat(s.intendedNanos(0, total - 1)).isLessThan(timeline);
        assertThat(s.intendedNanos(0, total)).isGreaterThanOrEqualTo(timeline);
    }

    @Test
    void connectionsShareTheTimelineRoundRobinWithoutGapsOrOverlap() {
        Schedule s = new Schedule(1000, 3, Duration.ofMillis(100), Duration.ofMillis(901));
        Set<Long> seen = new HashSet<>();
        long sum = 0;
        for (int c = 0; c < 3; c++) {
            sum += s.requestsFor(c);
            for (long k = 0; k < s.requestsFor(c); k++) {
                assertThat(seen.add(s.sequence(c, k))).isTrue();
            }
        }
        assertThat(sum).isEqualTo(s.totalRequests()).isEqualTo(1001);
        assertThat(seen).allMatch(seq -> seq >= 0 && seq < 1001);
        assertThat(s.requestsFor(0)).isEqualTo(334);
        assertThat(s.requestsFor(1)).isEqualTo(334);
        assertThat(s.requestsFor(2)).isEqualTo(333);
    }

    @Test
    void moreConnectionsThanRequestsLeavesSomeIdle() {
        Schedule s = new Schedule(2, 4, Duration.ZERO, Duration.ofSeconds(1));
        assertThat(s.requestsFor(0)).isEqualTo(1);
        assertThat(s.requestsFor(1)).isEqualTo(1);
        assertThat(s.requestsFor(2)).isZero();
        assertThat(s.requestsFor(3)).isZero();
    }

    @Test
    void measuredFromCountsTheMeasuredRequestsLeftOnAConnection() {
        Schedule s = new Schedule(100, 4, Duration.ofMillis(100), Duration.ofMillis(100));
        // 20 requests, 0-9 warm-up; connection 1 sends 1, 5, 9, 13, 17
        assertThat(s.requestsFor(1)).isEqualTo(5);
        assertThat(s.measuredFrom(1, 0)).isEqualTo(2);
        assertThat(s.measuredFrom(1, 3)).isEqualTo(2);
        assertThat(s.measuredFrom(1, 4)).isEqualTo(1);
        assertThat(s.measuredFrom(1, 5)).isZero();
        for (int c = 0; c < 4; c++) {
            long measured = 0;
            for (long k = 0; k < s.requestsFor(c); k++) {
                measured += s.isMeasured(s.sequence(c, k)) ? 1 : 0;
            }
            assertThat(s.measuredFrom(c, 0)).isEqualTo(measured);
        }
    }

    @Test
    void invalidSettingsAreRefusedWithTheExpectedRange() {
        assertThatThrownBy(() -> new Schedule(0, 4, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("--rate: 0 (expected 1 to 1000000 requests per second)");
        assertThatThrownBy(() -> new Schedule(10, 0, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("--connections: 0 (expected >= 1)");
        assertThatThrownBy(() -> new Schedule(10, 1, Duration.ZERO, Duration.ZERO))
                .hasMessageStartingWith("--duration: PT0S (expected >= 1ms)");
        assertThatThrownBy(() -> new Schedule(10, 1, Duration.ofMinutes(30), Duration.ofMinutes(31)))
                .hasMessageContaining("expected at most PT1H");
    }

    @Test
    void durationsParseWithUnits() {
        assertThat(Durations.parse("--warmup", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("--warmup", "8s")).isEqualTo(Duration.ofSeconds(8));
        assertThat(Durations.parse("--warmup", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> Durations.parse("--duration", "ten"))
                .hasMessage("--duration: 'ten' (expected a whole number with ms, s or m, e.g. 500ms, 8s, 2m)");
    }
}
