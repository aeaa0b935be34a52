package dev.skiff.controlplane.xds.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A raw ADS stream for tests: queues what the server sends, lets the test send exactly the requests it wants.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public final class AdsTestClient<Q, R> implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final BlockingQueue<R> responses = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<ClientCallStreamObserver<Q>> call = new AtomicReference<>();
    private final StreamObserver<Q> requests;

    public AdsTestClient(Function<StreamObserver<R>, StreamObserver<Q>> open) {
        this(open, -1);
    }

    /**
     * @param readAhead how many responses the client reads before {@link #read(int)} allows more; negative to read
     *                  everything as it arrives
     */
    public AdsTestClient(Function<StreamObserver<R>, StreamObserver<Q>> open, int readAhead) {
        this.requests = open.apply(new ClientResponseObserver<Q, R>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
                call.set(requestStream);
                if (readAhead >= 0) {
                    requestStream.disableAutoRequestWithInitial(readAhead);
                }
            }

            @Override
            public void onNext(R response) {
                responses.add(response);
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
                finished.countDown();
            }

            @Override
            public void onCompleted() {
                finished.countDown();
            }
        });
    }

    public static AdsTestClient<DiscoveryRequest,
            DiscoveryResponse> sotw(Channel channel) {
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        return new AdsTestClient<>(stub::streamAggregatedResources);
    }

    public static AdsTestClient<DeltaDiscoveryRequest,
            DeltaDiscoveryResponse> delta(Channel channel) {
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        return new AdsTestClient<>(stub::deltaAggregatedResources);
    }

    /** A state-of-the-world stream that reads only {@code readAhead} responses until told to read more. */
    public static AdsTestClient<DiscoveryRequest, DiscoveryResponse> sotwSlowReader(Channel channel, int readAhead) {
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        return new AdsTestClient<>(stub::streamAggregatedResources, readAhead);
    }

    /** A sidecar node as the contract describes it. */
    public static Node sidecarNode(String workload, String namespace) {
        return Node.newBuilder()
                .setId("sidecar~127.0.0.10~" + workload + "." + namespace + "~" + namespace + ".svc.cluster.local")
                .setMetadata(Struct.newBuilder()
                        .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
                        .putFields("WORKLOAD_NAME", Value.newBuilder().setStringValue(workload).build())
                        .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                                .putFields("app", Value.newBuilder().setStringValue(workload).build())).build()))
                .build();
    }

    public void send(Q request) {
        requests.onNext(request);
    }

    /** The next response; fails the test if none arrives in time. */
    public R next() {
        try {
            R response = responses.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(response).as("a response within %s (stream error: %s)", WAIT, error.get()).isNotNull();
            return response;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a response", e);
        }
    }

    /** Waits for the server to end the stream and returns its error ({@code null} if it completed). */
    public Throwable awaitFinished() {
        try {
            assertThat(finished.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the server ends the stream within %s", WAIT).isTrue();
            return error.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the stream to end", e);
        }
    }

    /** Lets a slow reader take {@code count} more responses. */
    public void read(int count) {
        call.get().request(count);
    }

    /** Cancels the call, as a client that goes away does. */
    public void cancel() {
        call.get().cancel("test client goes away", null);
    }

    /** Half-closes the stream, as a client that says goodbye does. */
    public void complete() {
        requests.onCompleted();
    }

    @Override
    public void close() {
        if (finished.getCount() > 0) {
            cancel();
        }
    }
}
