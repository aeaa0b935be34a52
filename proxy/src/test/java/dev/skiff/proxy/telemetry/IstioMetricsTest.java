package dev.skiff.proxy.telemetry;

import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IstioMetricsTest {

    private final IstioMetrics metrics = new IstioMetrics();

    @Test
    void countersAndHistogramsKeepIstiosExactNamesAndTypes() {
        Tags tags = Tags.of("reporter", "source", "response_code", "200");
        metrics.counter(IstioMetrics.REQUESTS_TOTAL, tags).increment(3);
        metrics.counter(IstioMetrics.TCP_CONNECTIONS_OPENED_TOTAL, tags).increment();
        metrics.histogram(IstioMetrics.REQUEST_DURATION, tags).record(7.5);
        String text = metrics.scrape();
        assertThat(text).contains("# TYPE istio_requests_total counter\n",
                "istio_requests_total{reporter=\"source\",response_code=\"200\"} 3\n",
                "# TYPE istio_tcp_connections_opened_total counter\n",
                "# TYPE istio_request_duration_milliseconds histogram\n",
                "istio_request_duration_milliseconds_sum{reporter=\"source\",response_code=\"200\"} 7.5\n",
                "istio_request_duration_milliseconds_count{reporter=\"source\",response_code=\"200\"} 1\n");
        assertThat(text).doesNotContain("_max", "istio_requests_total_total", "# HELP");
    }

    @Test
    void histogramsHaveEnvoysDefaultBucketsPrintedAsEnvoyPrintsThem() {
        metrics.histogram(IstioMetrics.RESPONSE_BYTES, Tags.of("reporter", "destination")).record(7.5);
        List<String> les = IstioTelemetryTest.series(metrics.scrape(), "istio_response_bytes_bucket{").stream()
                .map(line -> line.substring(line.indexOf("le=\"") + 4, line.indexOf("\"}")))
                .toList();
        assertThat(les).containsExactly("0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500",
                "5000", "10000", "30000", "60000", "300000", "600000", "1.8e+06", "3.6e+06", "+Inf");
        assertThat(IstioTelemetryTest.series(metrics.scrape(), "istio_response_bytes_bucket{"))
                .startsWith("istio_response_bytes_bucket{reporter=\"destination\",le=\"0.5\"} 0",
                        "istio_response_bytes_bucket{reporter=\"destination\",le=\"1\"} 0",
                        "istio_response_bytes_bucket{reporter=\"destination\",le=\"5\"} 0",
                        "istio_response_bytes_bucket{reporter=\"destination\",le=\"10\"} 1")
                .endsWith("istio_response_bytes_bucket{reporter=\"destination\",le=\"+Inf\"} 1");
    }

    @Test
    void labelValuesAreEscaped() {
        metrics.counter(IstioMetrics.REQUESTS_TOTAL, Tags.of("source_app", "a\"b\\c\nd")).increment();
        assertThat(metrics.scrape()).contains("istio_requests_total{source_app=\"a\\\"b\\\\c\\nd\"} 1\n");
    }

    @Test
    void numbersPrintAsEnvoyPrintsThem() {
        assertThat(IstioTextWriter.number(30)).isEqualTo("30");
        assertThat(IstioTextWriter.number(2.25)).isEqualTo("2.25");
        assertThat(IstioTextWriter.bound(0.5)).isEqualTo("0.5");
        assertThat(IstioTextWriter.bound(600000)).isEqualTo("600000");
        assertThat(IstioTextWriter.bound(1800000)).isEqualTo("1.8e+06");
        assertThat(IstioTextWriter.bound(3600000)).isEqualTo("3.6e+06");
    }

    @Test
    void humanReadableStatsListCountersWithTheirKnownLabels() {
        metrics.counter(IstioMetrics.REQUESTS_TOTAL, Tags.of("reporter", "source", "source_principal", "unknown"))
                .increment(2);
        assertThat(metrics.humanReadable()).isEqualTo("istio_requests_total reporter=source: 2\n");
    }
}
