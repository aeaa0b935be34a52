package dev.skiff.controlplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.config.DirectoryConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real directory source feeding the metrics: config updates and validation failures, counted once each. */
class ConfigMetricsTest {
    private static final String INVALID_REVIEWS = "galley_validation_failed{group=\"networking.istio.io\","
            + "reason=\"invalid_config\",resource=\"virtualservices\",version=\"\"}";
    private static final String UNREADABLE = "galley_validation_failed{group=\"\",reason=\"yaml_decode_error\","
            + "resource=\"\",version=\"\"}";

    @TempDir
    Path dir;

    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics();
    private DirectoryConfigSource source;

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
        metrics.close();
    }

    private static String virtualService(String name, int weight) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  http:
                  - route:
                    - destination: {host: %s}
                      weight: %d
                """.formatted(name, name, name, weight);
    }

    private static String serviceEntry(String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """.formatted(name, name);
    }

    private void write(String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content);
    }

    private List<String> samples() {
        return metrics.scrape().lines().filter(line -> !line.startsWith("#")).toList();
    }

    private void startSource() throws IOException {
        source = new DirectoryConfigSource(dir, new DirectoryConfigSource.Settings(
                Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5)));
        metrics.watchConfigErrors(source::currentErrors);
        source.start(metrics::configApplied);
    }

    @Test
    void everyAddedChangedOrRemovedObjectIsOneInboundConfigUpdate() throws IOException {
        write("reviews.yaml", virtualService("reviews", 100));
        write("external.yaml", serviceEntry("api"));
        startSource();
        assertThat(samples()).contains("pilot_inbound_updates{type=\"config\"} 2");

        write("reviews.yaml", virtualService("reviews", 100) + "---\n" + virtualService("ratings", 100));
        source.reload();
        assertThat(samples()).contains("pilot_inbound_updates{type=\"config\"} 3");

        Files.delete(dir.resolve("external.yaml"));
        source.reload();
        assertThat(samples()).contains("pilot_inbound_updates{type=\"config\"} 4");
    }

    @Test
    void eachNewValidationErrorCountsOnceWhileItPersists() throws IOException {
        write("reviews.yaml", virtualService("reviews", 150));
        write("broken.yaml", "kind: [unclosed\n");
        startSource();
        assertThat(source.currentErrors()).hasSize(2);
        assertThat(metrics.scrape().lines()).contains("# TYPE galley_validation_failed counter");
        assertThat(samples()).contains(INVALID_REVIEWS + " 1", UNREADABLE + " 1");
        assertThat(samples()).contains(INVALID_REVIEWS + " 1", UNREADABLE + " 1");

        write("reviews.yaml", virtualService("reviews", 100));
        source.reload();
        assertThat(samples()).contains(INVALID_REVIEWS + " 1", "pilot_inbound_updates{type=\"config\"} 1");

        write("reviews.yaml", virtualService("reviews", 101));
        source.reload();
        assertThat(samples()).contains(INVALID_REVIEWS + " 2", UNREADABLE + " 1");
    }
}
