package dev.skiff.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop gRPC load: {@code channels} channels (each its own HTTP/2 connection) with {@code concurrency} calls
 * in flight on each; every call that completes starts the next one until the run's end. Calls that complete after the
 * warm-up and before the end are measured. Every call has a deadline, so a run ends at most one timeout after its
 * end.
 */
final class GrpcLoad {
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * @param target    the loopback address the channels connect to
     * @param authority the {@code :authority} of the calls (a Skiff sidecar routes by it), or null for the target's
     */
    record Options(InetSocketAddress target, String authority, int channels, int concurrency, int payloadBytes,
                   Duration warmup, Duration duration, Duration timeout, String topology, int repeat) {
        Options {
            if (channels < 1) {
                throw new IllegalArgumentException("--channels: " + channels + " (expected >= 1)");
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("--concurrency: " + concurrency + " (expected >= 1)");
            }
            if (payloadBytes < 0) {
                throw new IllegalArgumentException("--payload: " + payloadBytes + " (expected >= 0 bytes)");
            }
            if (duration.isZero()) {
                throw new IllegalArgumentException("--duration: 0s (expected a measured window > 0)");
            }
            if (timeout.isZero()) {
                throw new IllegalArgumentException("--timeout: 0s (expected > 0)");
            }
        }

        String load() {
            return channels + (channels == 1 ? " channel" : " channels") + " x " + concurrency
                    + (concurrency == 1 ? " call" : " calls");
        }
    }

    private final Options options;
    private final BytesValue request;
    private final Recorder latency = new Recorder(HIGHEST_NANOS, 3);
    private final LongAdder ok = new LongAdder();
    private final LongAdder deadline = new LongAdder();
    private final LongAdder status = new LongAdder();
    private final LongAdder payload = new LongAdder();
    private final CountDownLatch finished;
    /** Starts the call after a failed one: a call can fail at once, on the thread that started it. */
    private final ExecutorService afterFailure = Executors.newSingleThreadExecutor();
    private long windowStart;
    private long end;

    private GrpcLoad(Options options) {
        this.options = options;
        this.request = BytesValue.of(ByteString.copyFrom(new byte[options.payloadBytes()]));
        this.finished = new CountDownLatch(options.channels() * options.concurrency());
    }

    static GrpcRunResult run(Options options, ProcessSampler sampler) throws InterruptedException {
        return new GrpcLoad(options).run(sampler);
    }

    private GrpcRunResult run(ProcessSampler sampler) throws InterruptedException {
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < options.channels(); i++) {
                NettyChannelBuilder builder = NettyChannelBuilder.forAddress(options.target())
                        .usePlaintext()
                        .directExecutor();
                if (options.authority() != null) {
                    builder.overrideAuthority(options.authority());
                }
                channels.add(builder.build());
            }
            sampler.requireAlive();
            long start = System.nanoTime();
            windowStart = start + options.warmup().toNanos();
            end = windowStart + options.duration().toNanos();
            for (ManagedChannel channel : channels) {
                for (int c = 0; c < options.concurrency(); c++) {
                    call(channel);
                }
            }
            sampler.measure(windowStart, end);
            long grace = options.timeout().toNanos() + TimeUnit.SECONDS.toNanos(2);
            if (!finished.await(Math.max(0, end + grace - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("calls still open " + grace / 1_000_000 + " ms past the run's end");
            }
        } finally {
            afterFailure.shutdownNow();
            channels.forEach(ManagedChannel::shutdownNow);
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            }
        }
        return result(sampler);
    }

    private void call(ManagedChannel channel) {
        long sent = System.nanoTime();
        if (sent - end >= 0) {
            finished.countDown();
            return;
        }
        CallOptions callOptions = CallOptions.DEFAULT.withDeadlineAfter(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
        ClientCalls.asyncUnaryCall(channel.newCall(EchoService.ECHO, callOptions), request, new StreamObserver<>() {
            private boolean answered;

            @Override
            public void onNext(BytesValue response) {
                answered = response.getValue().size() == options.payloadBytes();
            }

            @Override
            public void onError(Throwable t) {
                if (measured()) {
                    (Status.fromThrowable(t).getCode() == Status.Code.DEADLINE_EXCEEDED ? deadline : status).increment();
                }
                afterFailure.execute(() -> call(channel));
            }

            @Override
            public void onCompleted() {
                long done = System.nanoTime();
                if (measured()) {
                    if (answered) {
                        ok.increment();
                        latency.recordValue(Math.min(HIGHEST_NANOS, done - sent));
                    } else {
                        payload.increment();
                    }
                }
                call(channel);
            }

            private boolean measured() {
                long now = System.nanoTime();
                return now - windowStart >= 0 && now - end < 0;
            }
        });
    }

    private GrpcRunResult result(ProcessSampler sampler) {
        Histogram h = latency.getIntervalHistogram();
        RunResult.Latency l = new RunResult.Latency(millis(h.getValueAtPercentile(50)), millis(h.getValueAtPercentile(90)),
                millis(h.getValueAtPercentile(99)), millis(h.getValueAtPercentile(99.9)), millis(h.getMaxValue()),
                h.getTotalCount() == 0 ? 0 : h.getMean() / 1e6);
        long requests = ok.sum();
        double seconds = options.duration().toNanos() / 1e9;
        String authority = options.authority() == null ? "" : options.authority();
        return new GrpcRunResult(GrpcRunResult.KIND, options.topology(), options.repeat(),
                options.target().getAddress().getHostAddress() + ":" + options.target().getPort(), authority,
                options.load(), options.channels(), options.concurrency(), options.payloadBytes(),
                options.warmup().toNanos() / 1e9, seconds, requests, requests / seconds,
                new GrpcRunResult.Errors(deadline.sum(), status.sum(), payload.sum()), l, sampler.costs(requests));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
