package dev.skiff.proxy.telemetry;

import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrometheusEndpointTest {

    private final IstioMetrics metrics = new IstioMetrics();
    private final PrometheusEndpoint endpoint = new PrometheusEndpoint(new InetSocketAddress("127.0.0.1", 0), metrics);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        http.close();
        endpoint.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheMetricsInThePrometheusTextFormat() throws Exception {
        metrics.counter(IstioMetrics.REQUESTS_TOTAL, Tags.of("reporter", "source")).increment();
        HttpResponse<String> response = send("GET", PrometheusEndpoint.PATH);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains(IstioMetrics.TEXT_FORMAT);
        assertThat(response.body()).isEqualTo("# TYPE istio_requests_total counter\n"
                + "istio_requests_total{reporter=\"source\"} 1\n");
    }

    @Test
    void answersOtherPathsAndMethodsWithAReason() throws Exception {
        HttpResponse<String> unknown = send("GET", "/metrics");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("unknown path /metrics (expected: /stats/prometheus)\n");
        HttpResponse<String> post = send("POST", PrometheusEndpoint.PATH);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).isEqualTo("method POST (expected: GET)\n");
    }

    @Test
    void aTakenPortIsAClearError() {
        assertThatThrownBy(() -> new PrometheusEndpoint(endpoint.address(), metrics))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("prometheus stats server: cannot bind ")
                .hasMessageEndingWith("(expected: a free local address)");
    }
}
