package dev.skiff.controlplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.ca.CaServerOptions;
import dev.skiff.controlplane.config.DirectoryConfigSource;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.server.AdsTestClient;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running control plane wires its config source, ADS service and monitoring port to one metrics registry. */
class ControlPlaneMetricsEndpointTest {
    @TempDir
    Path config;
    @TempDir
    Path state;

    private final HttpClient http = HttpClient.newHttpClient();
    private ControlPlane controlPlane;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    private List<String> samples() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + controlPlane.monitoringPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().lines().filter(line -> !line.startsWith("#")).toList();
    }

    @Test
    void configXdsAndProcessMetricsOfARunningControlPlane() throws Exception {
        Files.writeString(config.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                """);
        Files.writeString(config.resolve("ratings.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings}
                spec:
                  host: ratings
                  trafficPolicy: {loadBalancer: {simple: NOT_A_POLICY}}
                """);
        controlPlane = new ControlPlane(new DirectoryConfigSource(config),
                new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0),
                state,
                CaServerOptions.defaults().withAddress(new InetSocketAddress("127.0.0.1", 0))).start();

        assertThat(samples()).contains(
                "pilot_inbound_updates{type=\"config\"} 1",
                "pilot_push_triggers{type=\"config\"} 1",
                "galley_validation_failed{group=\"networking.istio.io\",reason=\"invalid_config\","
                        + "resource=\"destinationrules\",version=\"\"} 1");
        assertThat(samples()).anyMatch(line -> line.startsWith("process_cpu_seconds_total "))
                .anyMatch(line -> line.startsWith("jvm_threads_live_threads "));

        channel = ManagedChannelBuilder.forAddress("127.0.0.1", controlPlane.xdsPort()).usePlaintext().build();
        try (var client = AdsTestClient.sotw(channel)) {
            client.send(DiscoveryRequest.newBuilder()
                    .setNode(AdsTestClient.sidecarNode("reviews-v1", "default"))
                    .setTypeUrl(TypeUrls.CLUSTER)
                    .build());
            client.next();
            await().untilAsserted(() -> assertThat(samples()).contains(
                    "pilot_xds{version=\"unknown\"} 1",
                    "pilot_xds_pushes{type=\"cds\"} 1"));
        }
        assertThat(controlPlane.metrics().registry().find("pilot_xds_pushes").counters()).hasSize(8);
    }
}
