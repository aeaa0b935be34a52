package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {
    @ParameterizedTest
    @CsvSource({
            "0, PT0S",
            "1.5s, PT1.5S",
            "100ms, PT0.1S",
            "1m, PT1M",
            "1h2m, PT1H2M",
            "1h2m3.25s, PT1H2M3.25S",
            "-1s, PT-1S",
            "+2s, PT2S",
            "250us, PT0.00025S",
            "250\u00b5s, PT0.00025S",
            "7ns, PT0.000000007S",
            ".5s, PT0.5S",
            "1.s, PT1S",
            "30ms1ns, PT0.030000001S"})
    void parsesGoDurations(String text, Duration expected) {
        assertThat(GoDuration.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|\"\" is not a valid duration (expected a duration such as 1.5s, 100ms, 1m or 1h30m)",
            "s|\"s\" is not a valid duration (expected a duration such as 1.5s, 100ms, 1m or 1h30m)",
            "10|\"10\" has no unit (expected a duration such as 1.5s, 100ms, 1m or 1h30m)",
            "1d|\"1d\" has an unknown unit \"d\" (expected one of ns, us, ms, s, m, h)",
            "1 s|\"1 s\" has an unknown unit \" s\" (expected one of ns, us, ms, s, m, h)",
            "1..5s|\"1..5s\" is not a valid duration (expected a duration such as 1.5s, 100ms, 1m or 1h30m)",
            "3000000h|\"3000000h\" is out of range (expected: at most 2562047h)"})
    void rejectsWhatGoRejects(String text, String message) {
        assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void formatsLikeGo() {
        assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(GoDuration.format(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(GoDuration.format(Duration.ofMillis(-100))).isEqualTo("-100ms");
        assertThat(GoDuration.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
        assertThat(GoDuration.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(GoDuration.format(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
        assertThat(GoDuration.format(Duration.ofMinutes(2))).isEqualTo("2m0s");
    }
}
