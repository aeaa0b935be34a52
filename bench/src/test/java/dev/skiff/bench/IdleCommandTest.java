package dev.skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdleCommandTest {

    @Test
    void parsesClusterCountsInOrderAndRefusesMalformedPairs() {
        assertThat(IdleCommand.parseCounts(List.of("client=1003", "server=2")))
                .containsExactly(java.util.Map.entry("client", 1003), java.util.Map.entry("server", 2));
        assertThatThrownBy(() -> IdleCommand.parseCounts(List.of("client")))
                .hasMessage("--clusters: 'client' (expected NAME=COUNT, e.g. client=1003)");
        assertThatThrownBy(() -> IdleCommand.parseCounts(List.of("client=-1")))
                .hasMessage("--clusters: 'client=-1' (expected NAME=COUNT, e.g. client=1003)");
    }

    @Test
    void readsTheRssOfALiveProcessAndWritesAnIdleResult(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("idle-self.json");
        int code = BenchMain.execute("idle", "--topology", "self", "--watch", "me=" + ProcessHandle.current().pid(),
                "--duration", "600ms", "--services-in-scope", "7", "--clusters", "me=4", "--json", json.toString());

        assertThat(code).isZero();
        JsonNode result = new ObjectMapper().readTree(json.toFile());
        assertThat(result.path("kind").asText()).isEqualTo("idle");
        assertThat(result.path("servicesInScope").asInt()).isEqualTo(7);
        assertThat(result.path("clusters").path("me").asInt()).isEqualTo(4);
        assertThat(result.path("processes").get(0).path("maxRssBytes").asLong()).isPositive();
        assertThat(Report.read(dir).render()).contains("| self | 7 | me | 4 |");
    }

    @Test
    void refusesAnEmptyWindow() {
        assertThat(BenchMain.execute("idle", "--topology", "self", "--watch", "me=" + ProcessHandle.current().pid(),
                "--duration", "0s")).isEqualTo(2);
    }
}
