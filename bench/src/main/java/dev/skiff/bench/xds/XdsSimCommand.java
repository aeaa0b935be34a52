package dev.skiff.bench.xds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code xds-sim}: simulated sidecars against one control plane. The mesh must have been written by
 * {@code xds-mesh} with the same {@code --services} and {@code --proxies} into the directory the control plane
 * reads.
 */
@Command(name = "xds-sim", mixinStandardHelpOptions = true,
        description = {"Open one ADS stream per simulated sidecar (node ids and metadata as Istio's sidecars send"
                + " them; CDS and LDS by wildcard, EDS and RDS by the names referenced; every response ACKed), wait"
                + " for all to sync, then apply route and endpoint changes to the config directory and time each"
                + " until every sidecar has ACKed it. Only loopback targets are accepted."})
public final class XdsSimCommand implements Callable<Integer> {
    @Option(names = "--target", required = true, paramLabel = "HOST:PORT", description = "The control plane's ADS address (loopback).")
    String target;

    @Option(names = "--control-plane", defaultValue = "skiff", description = "Name of what serves, for the report (default: ${DEFAULT-VALUE}).")
    String controlPlane;

    @Option(names = "--control-plane-pid", paramLabel = "PID",
            description = "The control plane's process id, for CPU and memory (RSS, heap after GC via jcmd); without it those are not measured.")
    Long controlPlanePid;

    @Option(names = "--config-dir", required = true, paramLabel = "DIR", description = "The directory the control plane reads; changes are written there.")
    Path configDir;

    @Option(names = "--services", required = true, description = "Services (M) of the mesh in the config directory.")
    int services;

    @Option(names = "--proxies", required = true, description = "Simulated sidecars (N).")
    int proxies;

    @Option(names = "--delta", description = "Use incremental xDS (DeltaAggregatedResources) instead of state of the world.")
    boolean delta;

    @Option(names = "--node-on-every-request",
            description = "Send the node on every request, as Envoy does by default; without it only the first request carries it, as Istio configures its sidecars.")
    boolean nodeOnEveryRequest;

    @Option(names = "--warmup-changes", defaultValue = "2",
            description = "Changes of each kind applied first and left out of the figures, so a JIT-compiled control plane is measured warm (default: ${DEFAULT-VALUE}).")
    int warmupChanges;

    @Option(names = "--changes", defaultValue = "5", description = "Changes of each kind, route and endpoint (default: ${DEFAULT-VALUE}).")
    int changes;

    @Option(names = "--streams-per-channel", defaultValue = "100",
            description = "ADS streams sharing one gRPC channel, i.e. one HTTP/2 connection (default: ${DEFAULT-VALUE}).")
    int streamsPerChannel;

    @Option(names = "--threads", defaultValue = "2", description = "Event loop threads shared by all channels (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--settle", defaultValue = "1s", description = "Quiet time after each change and after the sync (default: ${DEFAULT-VALUE}).")
    String settle;

    @Option(names = "--sync-timeout", defaultValue = "5m", description = "Longest the initial sync may take (default: ${DEFAULT-VALUE}).")
    String syncTimeout;

    @Option(names = "--change-timeout", defaultValue = "60s", description = "Longest a change may take to reach every sidecar (default: ${DEFAULT-VALUE}).")
    String changeTimeout;

    @Option(names = "--clock-ticks", defaultValue = "100", description = "Clock ticks per second of /proc CPU times, as `getconf CLK_TCK` prints (default: ${DEFAULT-VALUE}).")
    long clockTicks;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Simulation.Options options = new Simulation.Options(loopback(target), controlPlane,
                new BenchMesh(services, proxies), configDir, delta, nodeOnEveryRequest, warmupChanges, changes, streamsPerChannel, threads,
                duration("--settle", settle), duration("--sync-timeout", syncTimeout),
                duration("--change-timeout", changeTimeout), UUID.randomUUID().toString().substring(0, 8));
        if (!Files.isRegularFile(configDir.resolve(BenchMesh.CHANGED_ROUTE_FILE))) {
            throw new IllegalArgumentException("--config-dir " + configDir + " holds no " + BenchMesh.CHANGED_ROUTE_FILE
                    + " (expected a mesh written by xds-mesh)");
        }
        ProcessMeter meter = controlPlanePid == null ? null : new ProcessMeter(controlPlanePid, clockTicks);
        SimResult result = new Simulation(options, meter, System.out).run();
        print(result);
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
        }
        if (result.streamFailures() > 0) {
            System.err.println("xds-sim: " + result.streamFailures() + " stream(s) failed; first: " + result.firstFailure());
            return 1;
        }
        return 0;
    }

    private static void print(SimResult r) {
        for (SimResult.Summary s : r.summaries()) {
            System.out.printf(Locale.ROOT, "  %s changes: %d of %d converged, p50 %s ms, p99 %s ms, %.1f KB per push"
                            + " (%.1f KB per sidecar), %.2f CPU s per push%n", s.kind(), s.converged(), s.changes(),
                    format(s.p50Millis()), format(s.p99Millis()), s.meanBytes() / 1e3, s.meanBytesPerProxy() / 1e3,
                    s.meanCpuSeconds());
        }
    }

    private static String format(Double millis) {
        return millis == null ? "-" : String.format(Locale.ROOT, "%.1f", millis);
    }

    static Duration duration(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseUnsignedLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseUnsignedLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseUnsignedLong(t.substring(0, t.length() - 1)));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' (expected a whole number with ms, s or m, e.g. 500ms, 8s, 2m)");
        }
        throw new IllegalArgumentException(option + ": '" + text + "' (expected a whole number with ms, s or m, e.g. 500ms, 8s, 2m)");
    }

    /** {@code HOST:PORT} where HOST is a loopback IP literal or {@code localhost}; names are never resolved. */
    static InetSocketAddress loopback(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String expected = " (expected HOST:PORT with a loopback address, e.g. 127.0.0.1:15010)";
        if (colon <= 0) {
            throw new IllegalArgumentException("--target '" + hostPort + "'" + expected);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--target '" + hostPort + "': no numeric port" + expected);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--target '" + hostPort + "': port " + port + expected);
        }
        InetAddress address;
        if (host.equalsIgnoreCase("localhost")) {
            address = InetAddress.getLoopbackAddress();
        } else {
            try {
                address = InetAddress.ofLiteral(host);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--target '" + hostPort + "': '" + host + "' is not an IP address" + expected);
            }
        }
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("--target '" + hostPort + "' is not a loopback address; benchmark"
                    + " traffic stays on this machine" + expected);
        }
        return new InetSocketAddress(address, port);
    }
}
