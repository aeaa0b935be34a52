package dev.skiff.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code skiff demo}: a local mesh on loopback addresses. A control plane, a load generator, a frontend and two
 * versions of reviews, each with its own sidecar; traffic flows steadily while the reviews split is shifted by
 * rewriting the VirtualService file, the way a user would.
 */
@Command(name = "skiff demo", mixinStandardHelpOptions = true,
        description = "Start a local mesh (control plane, demo apps, sidecars), drive traffic and shift it between versions.")
public final class DemoMain implements Callable<Integer> {
    private static final String NS = "default";
    private static final String REVIEWS = "reviews." + NS + ".svc.cluster.local";
    private static final String FRONTEND = "frontend." + NS + ".svc.cluster.local";
    private static final InetSocketAddress LOADGEN_SIDECAR = new InetSocketAddress("127.0.10.1", 15001);
    private static final InetSocketAddress FRONTEND_SIDECAR = new InetSocketAddress("127.0.10.2", 15001);
    private static final int[][] SPLITS = {{90, 10}, {50, 50}, {0, 100}};

    @Option(names = "--duration", description = "Stop after this long, e.g. 20s or 2m (default: run until Ctrl-C).")
    String duration;

    @Option(names = "--shift-every", defaultValue = "15s",
            description = "Time between traffic shifts when no --duration is given (default: ${DEFAULT-VALUE}).")
    String shiftEvery;

    @Option(names = "--rps", defaultValue = "20", description = "Requests per second to send (default: ${DEFAULT-VALUE}).")
    int rps;

    @Option(names = "--work-dir", defaultValue = ".skiff/demo",
            description = "Where the demo writes its config and logs (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--xds-port", defaultValue = "15010", description = "Control plane xDS port (default: ${DEFAULT-VALUE}).")
    int xdsPort;

    @Option(names = "--monitoring-port", defaultValue = "15014",
            description = "Control plane monitoring port (default: ${DEFAULT-VALUE}).")
    int monitoringPort;

    @Option(names = "--ca-port", defaultValue = "15012", description = "Control plane CA port (default: ${DEFAULT-VALUE}).")
    int caPort;

    private final PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getenv().getOrDefault("SKIFF_HOME", ".")).toAbsolutePath().normalize();
        Path configDir = Files.createDirectories(workDir.resolve("config"));
        Files.copy(home.resolve("deploy/local/demo/services.yaml"), configDir.resolve("services.yaml"),
                StandardCopyOption.REPLACE_EXISTING);
        writeSplit(configDir, SPLITS[0]);

        Duration total = duration == null ? null : parseDuration(duration);
        Duration phase = total == null ? parseDuration(shiftEvery) : total.dividedBy(SPLITS.length);
        CountDownLatch stop = new CountDownLatch(1);

        try (MeshProcesses mesh = new MeshProcesses(home, workDir.resolve("logs"));
             DemoApp frontend = new DemoApp(new InetSocketAddress("127.0.0.1", 18080), "frontend", "v1", "127.0.10.2",
                     URI.create("http://" + REVIEWS + ":9080/"), FRONTEND_SIDECAR);
             DemoApp reviewsV1 = new DemoApp(new InetSocketAddress("127.0.0.1", 19081), "reviews", "v1", "127.0.10.3", null, null);
             DemoApp reviewsV2 = new DemoApp(new InetSocketAddress("127.0.0.1", 19082), "reviews", "v2", "127.0.10.4", null, null)) {
            Thread hook = new Thread(stop::countDown);
            Runtime.getRuntime().addShutdownHook(hook);

            String xds = "127.0.0.1:" + xdsPort;
            out.println("Starting the control plane (config in " + configDir + ", logs in " + mesh.logDir() + ")");
            mesh.start("control-plane", List.of("control-plane", "--config-dir", configDir.toString(),
                    "--xds-address", xds, "--monitoring-address", "127.0.0.1:" + monitoringPort,
                    "--ca-address", "127.0.0.1:" + caPort, "--state-dir", workDir.resolve("state").toString()));
            mesh.awaitReady("control plane", URI.create("http://127.0.0.1:" + monitoringPort + "/ready"), Duration.ofSeconds(60));

            // name, address, and the WorkloadEntry's labels (the sidecar reports them in Istio's metrics)
            List<String[]> sidecars = List.of(
                    new String[]{"loadgen", "127.0.10.1", "app=loadgen"},
                    new String[]{"frontend", "127.0.10.2", "app=frontend", "version=v1"},
                    new String[]{"reviews-v1", "127.0.10.3", "app=reviews", "version=v1"},
                    new String[]{"reviews-v2", "127.0.10.4", "app=reviews", "version=v2"});
            for (String[] s : sidecars) {
                out.println("Starting the sidecar of " + s[0] + " at " + s[1]);
                List<String> args = new ArrayList<>(List.of("proxy", "--workload", s[0] + "." + NS, "--control-plane", xds));
                for (int i = 2; i < s.length; i++) {
                    args.add("--label");
                    args.add(s[i]);
                }
                mesh.start("proxy-" + s[0], args);
            }
            for (String[] s : sidecars) {
                mesh.awaitReady("sidecar " + s[0], URI.create("http://" + s[1] + ":15021/healthz/ready"), Duration.ofSeconds(60));
            }
            printHandCommands(configDir);

            try (TrafficDriver traffic = new TrafficDriver(LOADGEN_SIDECAR, URI.create("http://" + FRONTEND + ":8080/"))) {
                traffic.start(rps);
                runPhases(configDir, traffic, phase, total, stop);
                printTotals(traffic);
            }
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            System.err.println("skiff demo: " + e.getMessage());
            return 1;
        }
        out.println("Stopped.");
        return 0;
    }

    private void runPhases(Path configDir, TrafficDriver traffic, Duration phase, Duration total, CountDownLatch stop)
            throws IOException, InterruptedException {
        Instant start = Instant.now();
        int current = 0;
        out.printf("Traffic: %d requests/s through the loadgen sidecar; reviews split v1/v2 = %d/%d%n",
                rps, SPLITS[0][0], SPLITS[0][1]);
        while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            Duration elapsed = Duration.between(start, Instant.now());
            if (total != null && elapsed.compareTo(total) >= 0) {
                break;
            }
            Map<String, Long> last = traffic.drainWindow();
            out.printf("[%3ds] split v1/v2=%d/%d | last second: %s | errors %d%n", elapsed.toSeconds(),
                    SPLITS[current][0], SPLITS[current][1], format(last), traffic.errors());
            int wanted = (int) Math.min(SPLITS.length - 1, elapsed.toMillis() / phase.toMillis());
            if (wanted != current) {
                current = wanted;
                writeSplit(configDir, SPLITS[current]);
                out.printf("---- shifting reviews to v1/v2 = %d/%d by rewriting %s%n", SPLITS[current][0],
                        SPLITS[current][1], configDir.resolve("reviews-virtualservice.yaml"));
            }
        }
    }

    private void printTotals(TrafficDriver traffic) {
        out.println("Totals: " + format(traffic.totals()) + ", errors " + traffic.errors());
    }

    private static String format(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "-";
        }
        return counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private void printHandCommands(Path configDir) {
        out.println();
        out.println("The mesh is up. Try by hand while it runs:");
        out.println("  curl -x http://127.0.10.1:15001 http://" + FRONTEND + ":8080/");
        out.println("  curl -x http://127.0.10.1:15001 -H 'end-user: jason' http://" + FRONTEND + ":8080/   # always v2");
        out.println("  curl http://127.0.0.1:" + monitoringPort + "/debug/syncz");
        out.println("  curl http://127.0.10.2:15000/config_dump");
        out.println("  curl http://127.0.10.1:15000/clusters");
        out.println("  curl -s http://127.0.10.1:15090/stats/prometheus | grep istio_requests_total");
        out.println("  edit " + configDir.resolve("reviews-virtualservice.yaml") + " and watch the split follow");
        out.println();
    }

    /** Writes the reviews VirtualService with the given v1/v2 weights; a rename makes the change atomic. */
    static void writeSplit(Path configDir, int[] split) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "apiVersion: networking.istio.io/v1",
                "kind: VirtualService",
                "metadata:",
                "  name: reviews",
                "spec:",
                "  hosts: [" + REVIEWS + "]",
                "  http:",
                "  - name: jason",
                "    match:",
                "    - headers:",
                "        end-user:",
                "          exact: jason",
                "    route:",
                "    - destination: {host: " + REVIEWS + ", subset: v2}",
                "  - name: split",
                "    route:",
                "    - destination: {host: " + REVIEWS + ", subset: v1}",
                "      weight: " + split[0],
                "    - destination: {host: " + REVIEWS + ", subset: v2}",
                "      weight: " + split[1]));
        Path tmp = configDir.resolve(".reviews-virtualservice.yaml.tmp");
        Files.write(tmp, lines);
        Files.move(tmp, configDir.resolve("reviews-virtualservice.yaml"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Parses {@code 500ms}, {@code 20s}, {@code 2m}, {@code 1h}. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            return Duration.parse("PT" + t.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(new CommandLine(new DemoMain()),
                    "invalid duration '" + text + "' (expected e.g. 500ms, 20s, 2m or 1h)");
        }
    }
}
