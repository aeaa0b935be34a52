package dev.skiff.proxy.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An in-process ADS server that records every request and sends the responses a test tells it to, on the latest
 * stream. It can be stopped and started again under the same name to exercise reconnects.
 */
final class RecordingAdsServer extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase
        implements AutoCloseable {
    private final String name;
    private final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger streams = new AtomicInteger();
    private volatile StreamObserver<DiscoveryResponse> current;
    private Server server;

    RecordingAdsServer(String name) {
        this.name = name;
    }

    RecordingAdsServer start() throws IOException {
        server = InProcessServerBuilder.forName(name).addService(this).build().start();
        return this;
    }

    void stop() throws InterruptedException {
        server.shutdownNow();
        assertThat(server.awaitTermination(5, TimeUnit.SECONDS)).as("server terminated").isTrue();
        current = null;
    }

    int streamsOpened() {
        return streams.get();
    }

    /** The next request the client sent, waiting for it up to five seconds. */
    DiscoveryRequest nextRequest() throws InterruptedException {
        DiscoveryRequest request = requests.poll(5, TimeUnit.SECONDS);
        assertThat(request).as("a request from the client within 5 s").isNotNull();
        return request;
    }

    boolean hasPendingRequests() {
        return !requests.isEmpty();
    }

    void send(DiscoveryResponse response) {
        StreamObserver<DiscoveryResponse> stream = current;
        assertThat(stream).as("an open stream").isNotNull();
        synchronized (stream) {
            stream.onNext(response);
        }
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> responses) {
        streams.incrementAndGet();
        current = responses;
        return new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryRequest request) {
                requests.add(request);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                synchronized (responses) {
                    responses.onCompleted();
                }
            }
        };
    }

    @Override
    public void close() throws InterruptedException {
        if (server != null && !server.isTerminated()) {
            stop();
        }
    }
}
