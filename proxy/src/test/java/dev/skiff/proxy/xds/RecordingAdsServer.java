package dev.skiff.proxy.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ADS server (in-process, or plaintext gRPC on a loopback port) that records every request and sends the
 * responses a test tells it to, on the latest stream. An in-process server can be stopped and started again under
 * the same name to exercise reconnects.
 */
final class RecordingAdsServer extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase
        implements AutoCloseable {
    private final Supplier<ServerBuilder<?>> builder;
    private final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger streams = new AtomicInteger();
    private volatile StreamObserver<DiscoveryResponse> current;
    private Server server;

    private RecordingAdsServer(Supplier<ServerBuilder<?>> builder) {
        this.builder = builder;
    }

    /** A server reached with {@code InProcessChannelBuilder.forName(name)}. */
    static RecordingAdsServer inProcess(String name) {
        return new RecordingAdsServer(() -> InProcessServerBuilder.forName(name));
    }

    /** A plaintext gRPC server on 127.0.0.1 and a port the system picks; see {@link #port()}. */
    static RecordingAdsServer onLoopback() {
        return new RecordingAdsServer(() -> NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
    }

    RecordingAdsServer start() throws IOException {
        server = builder.get().addService(this).build().start();
        return this;
    }

    int port() {
        return server.getPort();
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
