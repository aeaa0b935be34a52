package dev.skiff.bench.xds;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PercentilesTest {
    @Test
    void nearestRankOfOneToHundred() {
        double[] values = IntStream.rangeClosed(1, 100).mapToDouble(i -> 101 - i).toArray();
        assertThat(Percentiles.nearestRank(values, 50)).isEqualTo(50);
        assertThat(Percentiles.nearestRank(values, 99)).isEqualTo(99);
        assertThat(Percentiles.nearestRank(values, 100)).isEqualTo(100);
        assertThat(Percentiles.nearestRank(values, 0.5)).isEqualTo(1);
    }

    @Test
    void smallSamplesRoundTheRankUp() {
        double[] five = {40, 10, 30, 20, 50};
        assertThat(Percentiles.nearestRank(five, 50)).isEqualTo(30);
        assertThat(Percentiles.nearestRank(five, 99)).isEqualTo(50);
        assertThat(Percentiles.nearestRank(five, 20)).isEqualTo(10);
        assertThat(Percentiles.nearestRank(five, 21)).isEqualTo(20);
        assertThat(Percentiles.nearestRank(new double[] {7}, 99)).isEqualTo(7);
    }

    @Test
    void emptySampleHasNoPercentile() {
        assertThat(Percentiles.nearestRank(new double[0], 50)).isNaN();
        assertThat(Percentiles.mean(new double[0])).isNaN();
        assertThat(Percentiles.mean(new double[] {1, 2, 6})).isEqualTo(3);
    }

    @Test
    void rejectsPercentilesOutsideTheRange() {
        assertThatThrownBy(() -> Percentiles.nearestRank(new double[] {1}, 0))
                .hasMessageContaining("expected > 0 and <= 100");
        assertThatThrownBy(() -> Percentiles.nearestRank(new double[] {1}, 101))
                .hasMessageContaining("expected > 0 and <= 100");
    }

    @Test
    void summariesTakePercentilesOfConvergedChangesOnly() {
        var changes = java.util.List.of(
                new SimResult.Change(1, "route", "a", 10, 100.0, 1000, 0.5),
                new SimResult.Change(1, "endpoint", "b", 10, 50.0, 200, 0.1),
                new SimResult.Change(2, "route", "c", 10, 300.0, 3000, 1.5),
                new SimResult.Change(2, "endpoint", "d", 7, null, 100, 0.3));
        var summaries = Simulation.summarize(changes, 10);
        assertThat(summaries).hasSize(2);
        SimResult.Summary route = summaries.get(0);
        assertThat(route.kind()).isEqualTo("route");
        assertThat(route.converged()).isEqualTo(2);
        assertThat(route.p50Millis()).isEqualTo(100.0);
        assertThat(route.p99Millis()).isEqualTo(300.0);
        assertThat(route.meanBytes()).isEqualTo(2000);
        assertThat(route.meanBytesPerProxy()).isEqualTo(200);
        assertThat(route.meanCpuSeconds()).isEqualTo(1.0);
        SimResult.Summary endpoint = summaries.get(1);
        assertThat(endpoint.changes()).isEqualTo(2);
        assertThat(endpoint.converged()).isEqualTo(1);
        assertThat(endpoint.p99Millis()).isEqualTo(50.0);
    }
}
