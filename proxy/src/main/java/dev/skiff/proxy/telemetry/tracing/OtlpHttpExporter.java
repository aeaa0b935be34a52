package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.telemetry.TracingProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Reports spans with OTLP/HTTP: a binary protobuf {@code ExportTraceServiceRequest} posted
 * ({@code Content-Type: application/x-protobuf}) to the provider's path on the endpoints of the collector's
 * cluster, with the provider's headers.
 */
public final class OtlpHttpExporter extends CollectorExporter {

    private final Supplier<InetSocketAddress> endpoints;
    private final TracingProvider provider;
    private final LocalEndpoint local;
    private final HttpClient client;

    /**
     * @param endpoints the next collector endpoint, null when there is none
     * @param provider  the path, service name, timeout and headers
     * @param local     the sidecar's node id and namespace for the span attributes
     */
    public OtlpHttpExporter(Supplier<InetSocketAddress> endpoints, TracingProvider provider, LocalEndpoint local,
                            int capacity, int maxBatch, Duration linger) {
        super("skiff-otlp-http-exporter", capacity, maxBatch, linger);
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.local = Objects.requireNonNull(local, "local");
        this.client = httpClient();
    }

    @Override
    protected String collector() {
        return provider.authority() + provider.path() + " (" + provider.cluster() + ")";
    }

    @Override
    protected String export(List<Span> spans) throws IOException, InterruptedException {
        InetSocketAddress target = endpoints.get();
        if (target == null) {
            return "no endpoint";
        }
        URI uri = URI.create(httpUrl(target.getHostString(), target.getPort(), provider.path()));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(provider.timeout())
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(
                        OtlpSpans.request(spans, local, provider.serviceName()).toByteArray()));
        for (TracingProvider.Header header : provider.headers()) {
            request.setHeader(header.name(), header.value());
        }
        HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        return response.statusCode() / 100 == 2 ? null : "status " + response.statusCode();
    }
}
