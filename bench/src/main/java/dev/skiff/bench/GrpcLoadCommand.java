package dev.skiff.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code grpc-load}: a closed-loop gRPC run against the echo service for a fixed time. */
@Command(name = "grpc-load", mixinStandardHelpOptions = true,
        description = {"Call the unary gRPC echo service with N channels x M concurrent calls for a fixed time:",
                "requests/s and latency percentiles. Only loopback targets are accepted."})
final class GrpcLoadCommand implements Callable<Integer> {

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
            description = "Loopback address to connect to: the echo server, or a Skiff sidecar's outbound listener (W:15001).")
    String target;

    @Option(names = "--authority", paramLabel = "HOST:PORT",
            description = "The calls' :authority, e.g. the gRPC service's name and port that a sidecar routes by (default: the target).")
    String authority;

    @Option(names = "--channels", defaultValue = "2", description = "Channels, each its own HTTP/2 connection (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--concurrency", defaultValue = "16", description = "Calls in flight on each channel (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--payload", defaultValue = "1024", description = "Request (and response) payload in bytes (default: ${DEFAULT-VALUE}).")
    int payload;

    @Option(names = "--warmup", defaultValue = "2s", description = "Unmeasured lead-in (default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--duration", defaultValue = "10s", description = "Measured window (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--timeout", defaultValue = "5s", description = "Deadline of each call (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    RunLabels labels;

    @Mixin
    MeasureOptions measure;

    @Override
    public Integer call() throws IOException, InterruptedException {
        GrpcLoad.Options options = new GrpcLoad.Options(Target.parseHostPort("--target", target), authority, channels,
                concurrency, payload, Durations.parse("--warmup", warmup), Durations.parse("--duration", duration),
                Durations.parse("--timeout", timeout), labels.topology, labels.repeat);
        ProcessSampler sampler = measure.sampler();
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "%s: gRPC echo, %s, %d-byte payload, to %s%s, warm-up %s, measured %s%n",
                labels.topology, options.load(), payload, target, authority == null ? "" : " as " + authority, warmup, duration);
        GrpcRunResult result = GrpcLoad.run(options, sampler);
        print(out, result);
        measure.write(result);
        return 0;
    }

    static void print(PrintStream out, GrpcRunResult r) {
        RunResult.Latency l = r.latencyMillis();
        out.printf(Locale.ROOT, "  %.1f requests/s (%d answered), errors: deadline %d, status %d, payload %d%n",
                r.requestsPerSecond(), r.requests(), r.errors().deadline(), r.errors().status(), r.errors().payload());
        out.printf(Locale.ROOT, "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f%n",
                l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean());
        for (ProcessSampler.ProcessCost c : r.processes()) {
            out.printf(Locale.ROOT, "  %s (pid %d): %.2f CPU s, %.4f CPU s per 1000 requests, peak RSS %.1f MB%n",
                    c.name(), c.pid(), c.cpuSeconds(), c.cpuSecondsPer1000Requests(), c.maxRssBytes() / 1e6);
        }
    }
}
