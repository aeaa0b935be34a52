package dev.skiff.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code load}: one fixed-rate run against a loopback target, printed and optionally written as JSON. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Send HTTP/1.1 GET requests at a fixed rate over keep-alive connections.",
                "Latency counts from each request's intended send time (coordinated omission corrected).",
                "Only loopback targets are accepted."})
final class LoadCommand implements Callable<Integer> {

    @Option(names = "--url", required = true,
            description = "The URL to request, e.g. http://127.0.0.1:8080/ (with --proxy: the URL the proxy routes, e.g. http://backend.default.svc.cluster.local:8080/).")
    String url;

    @Option(names = "--proxy", paramLabel = "HOST:PORT",
            description = "Send requests in proxy form (absolute URI) to this loopback HTTP proxy, e.g. a Skiff sidecar's W:15001.")
    String proxy;

    @Option(names = "--rate", defaultValue = "1000", description = "Requests per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--connections", defaultValue = "4", description = "Keep-alive connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--warmup", defaultValue = "5s", description = "Unmeasured lead-in (default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--duration", defaultValue = "30s", description = "Measured window (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--timeout", defaultValue = "5s",
            description = "How long a request may wait for its response; the run ends at most this long after its timeline (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    RunLabels labels;

    @Mixin
    MeasureOptions measure;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Target target = Target.of(url, proxy);
        Schedule schedule = new Schedule(rate, connections, Durations.parse("--warmup", warmup),
                Durations.parse("--duration", duration));
        LoadGenerator.Options options = new LoadGenerator.Options(target, schedule, Durations.parse("--timeout", timeout),
                labels.topology, labels.repeat);
        ProcessSampler sampler = measure.sampler();

        PrintStream out = System.out;
        out.printf(Locale.ROOT, "%s: %d rps over %d connections to %s, warm-up %s, measured %s%n", labels.topology,
                rate, connections, target.describe(), warmup, duration);
        RunResult result = LoadGenerator.run(options, sampler);
        print(out, result);
        measure.write(result);
        return 0;
    }

    static void print(PrintStream out, RunResult r) {
        RunResult.Latency l = r.latencyMillis();
        out.printf(Locale.ROOT, "  latency ms (from intended send time): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f%n",
                l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean());
        RunResult.Errors e = r.errors();
        out.printf(Locale.ROOT, "  achieved %.1f rps (%d of %d measured requests answered), errors %d"
                        + " (timeouts %d, closed %d, non-2xx %d, unsent %d, failed connects %d)%n",
                r.achievedRate(), r.requestsCompleted(), r.requestsScheduled(), e.total(), e.timeouts(), e.closed(),
                e.non2xx(), e.unsent(), e.connectFailures());
        RunResult.WakeupLag lag = r.wakeupLagMillis();
        out.printf(Locale.ROOT, "  load generator wake-up lag ms (%d requests due on an idle connection): p50 %.3f  p99 %.3f  max %.3f%n",
                lag.samples(), lag.p50(), lag.p99(), lag.max());
        for (ProcessSampler.ProcessCost c : r.processes()) {
            out.printf(Locale.ROOT, "  %s (pid %d, %d process%s): %.2f CPU s, %.4f CPU s per 1000 requests, peak RSS %.1f MB%n",
                    c.name(), c.pid(), c.processes(), c.processes() == 1 ? "" : "es", c.cpuSeconds(),
                    c.cpuSecondsPer1000Requests(), c.maxRssBytes() / 1e6);
        }
    }
}
