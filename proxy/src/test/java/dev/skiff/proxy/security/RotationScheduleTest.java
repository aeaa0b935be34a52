package dev.skiff.proxy.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RotationScheduleTest {

    private static final Instant RECEIVED = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void renewsAtHalfTheLifetimeWithoutJitter() {
        RotationSchedule schedule = new RotationSchedule(0.5, 0, new SplittableRandom(1));

        assertThat(schedule.renewAt(RECEIVED, RECEIVED, RECEIVED.plus(Duration.ofHours(24))))
                .isEqualTo(RECEIVED.plus(Duration.ofHours(12)));
    }

    @Test
    void backdatedNotBeforeDoesNotCount() {
        RotationSchedule schedule = new RotationSchedule(0.5, 0, new SplittableRandom(1));
        Instant notBefore = RECEIVED.minus(Duration.ofMinutes(1));

        assertThat(schedule.renewAt(RECEIVED, notBefore, RECEIVED.plus(Duration.ofMinutes(1))))
                .isEqualTo(RECEIVED.plus(Duration.ofSeconds(30)));
    }

    @Test
    void jitterStaysWithinItsShareOfTheLifetime() {
        RotationSchedule schedule = RotationSchedule.istioDefaults(new SplittableRandom(7));
        Instant notAfter = RECEIVED.plus(Duration.ofHours(100));
        Instant earliest = RECEIVED.plus(Duration.ofHours(49));
        Instant latest = RECEIVED.plus(Duration.ofHours(51));
        boolean sawEarlier = false;
        boolean sawLater = false;
        for (int i = 0; i < 200; i++) {
            Instant at = schedule.renewAt(RECEIVED, RECEIVED, notAfter);
            assertThat(at).isBetween(earliest, latest);
            sawEarlier |= at.isBefore(RECEIVED.plus(Duration.ofHours(50)));
            sawLater |= at.isAfter(RECEIVED.plus(Duration.ofHours(50)));
        }
        assertThat(sawEarlier).isTrue();
        assertThat(sawLater).isTrue();
    }

    @Test
    void expiredCertificateRenewsAtOnce() {
        RotationSchedule schedule = new RotationSchedule(0.5, 0, new SplittableRandom(1));

        assertThat(schedule.renewAt(RECEIVED, RECEIVED.minusSeconds(120), RECEIVED.minusSeconds(60)))
                .isEqualTo(RECEIVED);
    }

    @Test
    void rejectsRatiosOutsideTheLifetime() {
        assertThatThrownBy(() -> new RotationSchedule(1, 0, new SplittableRandom()))
                .hasMessage("rotation ratio: 1.0 (expected: > 0 and < 1)");
        assertThatThrownBy(() -> new RotationSchedule(0.5, 0.5, new SplittableRandom()))
                .hasMessage("rotation jitter: 0.5 (expected: >= 0 and < 0.5)");
    }
}
