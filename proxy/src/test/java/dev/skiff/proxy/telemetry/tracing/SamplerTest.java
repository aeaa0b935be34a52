package dev.skiff.proxy.telemetry.tracing;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplerTest {

    private static int sampledOutOf(Sampler sampler, int requests, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int sampled = 0;
        for (int i = 0; i < requests; i++) {
            if (sampler.sample(TraceContext.UNDECIDED, random)) {
                sampled++;
            }
        }
        return sampled;
    }

    @Test
    void samplesThePercentageOfUndecidedRequests() {
        assertThat(sampledOutOf(new Sampler(1), 100_000, 7)).isBetween(850, 1150);
        assertThat(sampledOutOf(new Sampler(50), 10_000, 7)).isBetween(4700, 5300);
        assertThat(sampledOutOf(new Sampler(0), 10_000, 7)).isZero();
        assertThat(sampledOutOf(new Sampler(100), 10_000, 7)).isEqualTo(10_000);
    }

    @Test
    void sameSeedSameDecisions() {
        assertThat(sampledOutOf(new Sampler(10), 1000, 42)).isEqualTo(sampledOutOf(new Sampler(10), 1000, 42));
    }

    @Test
    void honoursTheCallersDecision() {
        SplittableRandom random = new SplittableRandom(1);
        assertThat(new Sampler(0).sample(TraceContext.SAMPLED, random)).isTrue();
        assertThat(new Sampler(100).sample(TraceContext.NOT_SAMPLED, random)).isFalse();
    }

    @Test
    void rejectsPercentagesOutOfRange() {
        assertThatThrownBy(() -> new Sampler(-1)).hasMessageContaining("expected: a percentage from 0 to 100");
        assertThatThrownBy(() -> new Sampler(100.5)).hasMessageContaining("100.5");
        assertThatThrownBy(() -> new Sampler(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
