package dev.skiff.proxy;

import dev.skiff.proxy.admin.AdminServer;
import dev.skiff.proxy.admin.HealthServer;
import dev.skiff.proxy.authz.RbacStats;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.peerexchange.PeerExchange;
import dev.skiff.proxy.security.ProxySecurity;
import dev.skiff.proxy.telemetry.IstioMetrics;
import dev.skiff.proxy.telemetry.IstioTelemetry;
import dev.skiff.proxy.telemetry.PrometheusEndpoint;
import dev.skiff.proxy.telemetry.WorkloadMetadata;
import dev.skiff.proxy.telemetry.accesslog.AccessLog;
import dev.skiff.proxy.telemetry.tracing.LocalEndpoint;
import dev.skiff.proxy.telemetry.tracing.Sampler;
import dev.skiff.proxy.telemetry.tracing.SpanExporters;
import dev.skiff.proxy.telemetry.tracing.Tracing;
import dev.skiff.proxy.telemetry.tracing.ZipkinExporter;
import dev.skiff.proxy.xds.AdsClient;
import dev.skiff.proxy.xds.NodeIdentity;
import dev.skiff.proxy.xds.ReconnectBackoff;
import dev.skiff.proxy.xds.XdsConfigAssembler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code skiff proxy}: the sidecar of one workload. It connects to the control plane over ADS, translates what it
 * receives and serves it with the Netty data plane; the admin and health servers listen on the workload address.
 */
@Command(name = "skiff proxy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Runs the sidecar proxy of one workload: fetches its configuration from the control plane over"
                        + " xDS (ADS) and serves the workload's inbound and outbound traffic.",
                "Stops on SIGTERM or Ctrl-C."})
public final class ProxyMain implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--workload", required = true, paramLabel = "NAME.NAMESPACE",
            description = "The WorkloadEntry this sidecar serves, e.g. reviews-v1.default.")
    private String workload;

    @Option(names = "--control-plane", defaultValue = "127.0.0.1:15010", paramLabel = "HOST:PORT",
            description = "The control plane's xDS address (default: ${DEFAULT-VALUE}).")
    private String controlPlane;

    @Option(names = "--address", paramLabel = "IP",
            description = "The workload's IP address (default: the address of the virtualOutbound listener the"
                    + " control plane sends).")
    private String address;

    @Option(names = "--admin-port", defaultValue = "15000", paramLabel = "PORT",
            description = "Port of the admin server (config_dump, stats) on the workload address (default:"
                    + " ${DEFAULT-VALUE}).")
    private int adminPort;

    @Option(names = "--health-port", defaultValue = "15021", paramLabel = "PORT",
            description = "Port of the health server (/healthz/ready) on the workload address (default:"
                    + " ${DEFAULT-VALUE}).")
    private int healthPort;

    @Option(names = "--stats-port", defaultValue = "15090", paramLabel = "PORT",
            description = "Port of Istio's standard metrics (GET /stats/prometheus) on the workload address"
                    + " (default: ${DEFAULT-VALUE}).")
    private int statsPort;

    @Option(names = "--cluster-id", defaultValue = WorkloadMetadata.DEFAULT_CLUSTER_ID, paramLabel = "ID",
            description = "The cluster the workload runs in, reported in the source_cluster and destination_cluster"
                    + " metric labels (default: ${DEFAULT-VALUE}, as in Istio).")
    private String clusterId;

    @Option(names = "--label", paramLabel = "KEY=VALUE",
            description = "A label of the workload, reported to the control plane; repeatable.")
    private Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The workload's bootstrap token (from 'skiff token create'). With it the proxy obtains a"
                    + " workload certificate from the CA and speaks mutual TLS in the mesh; without it the proxy"
                    + " runs plaintext.")
    private Path tokenFile;

    @Option(names = "--ca-address", defaultValue = "127.0.0.1:15012", paramLabel = "HOST:PORT",
            description = "The CA's certificate service (default: ${DEFAULT-VALUE}).")
    private String caAddress;

    @Option(names = "--ca-root", defaultValue = ".skiff/state/trust-bundle.pem", paramLabel = "FILE",
            description = "The trust bundle for the CA's TLS port (default: the control plane state directory's"
                    + " ${DEFAULT-VALUE}).")
    private Path caRoot;

    @Option(names = "--access-log", defaultValue = "off", paramLabel = "stdout|off",
            description = "Where the access log goes: one JSON line per request in Envoy's default format on standard"
                    + " output, or off (default: ${DEFAULT-VALUE}, as Istio's default accessLogFile).")
    private String accessLog;

    @Option(names = "--zipkin-address", paramLabel = "HOST:PORT",
            description = "The Zipkin collector spans are reported to (POST /api/v2/spans); tracing is off without"
                    + " it.")
    private String zipkinAddress;

    @Option(names = "--trace-sampling", defaultValue = "1", paramLabel = "PERCENT",
            description = "The percentage of requests traced when the caller sent no sampling decision, 0 to 100"
                    + " (default: ${DEFAULT-VALUE}, as Istio's).")
    private double traceSampling;

    @Option(names = "--drain-time-s", defaultValue = "45", paramLabel = "SECONDS",
            description = "How long connections of a listener whose filter chains changed (a new authorization"
                    + " policy, say) may keep serving under the old ones before they are closed, as Envoy's"
                    + " --drain-time-s (default: ${DEFAULT-VALUE}, Istio's drain duration).")
    private int drainTimeSeconds;

    public static void main(String[] args) {
        defaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
        defaultProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        // Netty's JFR allocator events would load the JFR classes into every sidecar, recorded or not.
        defaultProperty("io.netty.jfr.enabled", "false");
        // Leak sampling records a stack trace for one buffer in 128 on the data path; the test suites run Netty's
        // paranoid leak detection instead. -Dio.netty.leakDetection.level=simple turns sampling back on.
        defaultProperty("io.netty.leakDetection.level", "disabled");
        // The xDS and CA clients run on the proxy's Netty: their buffers come from the proxy's allocator instead of
        // a pooled allocator of gRPC's own, whose arenas a few messages a minute would never fill.
        defaultProperty("io.grpc.netty.useCustomAllocator", "false");
        StartupWarmup.start();
        int exitCode = new CommandLine(new ProxyMain()).execute(args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /** Sets a system property unless it was given on the command line. */
    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Running proxy;
        try {
            proxy = start();
        } catch (IllegalStateException e) {
            LoggerFactory.getLogger(ProxyMain.class).error("skiff proxy cannot start: {}", e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("skiff-proxy-shutdown").unstarted(proxy::close));
        proxy.awaitClosed();
        return proxy.exitCode();
    }

    /** Checks the options, starts the data plane and the xDS client, and returns at once. */
    public Running start() {
        NodeIdentity identity;
        try {
            identity = NodeIdentity.parse(workload, workloadAddress(), labels);
        } catch (IllegalArgumentException e) {
            String reason = e.getMessage();
            throw new CommandLine.ParameterException(spec.commandLine(),
                    reason.startsWith("workload:") ? "--" + reason : "--workload: " + reason);
        }
        HostPort target = HostPort.parse(spec.commandLine(), controlPlane);
        requirePort(adminPort, "--admin-port");
        requirePort(healthPort, "--health-port");
        requirePort(statsPort, "--stats-port");
        if (!accessLog.equals("stdout") && !accessLog.equals("off")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--access-log: '" + accessLog + "' (expected: stdout or off)");
        }
        if (!(traceSampling >= 0 && traceSampling <= 100)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--trace-sampling: " + traceSampling + " (expected: a percentage from 0 to 100)");
        }
        if (drainTimeSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--drain-time-s: " + drainTimeSeconds + " (expected: seconds >= 0)");
        }
        if (zipkinAddress != null) {
            HostPort.parse(spec.commandLine(), "--zipkin-address", zipkinAddress);
        }
        return new Running(identity, target, security());
    }

    private ProxySecurity security() {
        if (tokenFile == null) {
            return ProxySecurity.withoutWorkloadCertificate();
        }
        HostPort ca = HostPort.parse(spec.commandLine(), "--ca-address", caAddress);
        try {
            return ProxySecurity.withCa(ca.host(), ca.port(), caRoot, tokenFile, Duration.ZERO);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private Optional<String> workloadAddress() {
        if (address == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.ofLiteral(address).getHostAddress());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--address: '" + address + "' (expected: an IPv4 or IPv6 address)");
        }
    }

    private void requirePort(int port, String option) {
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + ": " + port + " (expected: 1..65535)");
        }
    }

    /** A control plane address. */
    record HostPort(String host, int port) {
        static HostPort parse(CommandLine commandLine, String value) {
            return parse(commandLine, "--control-plane", value);
        }

        static HostPort parse(CommandLine commandLine, String option, String value) {
            int colon = value.lastIndexOf(':');
            String host = colon > 0 ? value.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(value.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new CommandLine.ParameterException(commandLine, option + ": '" + value
                        + "' (expected: HOST:PORT with a port in 1..65535, e.g. 127.0.0.1:15010)");
            }
            return new HostPort(host, port);
        }

        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** A started proxy: data plane, xDS client and, once the workload address is known, admin and health. */
    public final class Running implements AutoCloseable {
        private final Logger log = LoggerFactory.getLogger(ProxyMain.class);
        private final NodeIdentity identity;
        private final ProxyRuntime runtime;
        private final XdsConfigAssembler assembler;
        private final AdsClient client;
        private final CountDownLatch closed = new CountDownLatch(1);
        private volatile String servingAddress;
        private volatile AdminServer admin;
        private volatile HealthServer health;
        private volatile PrometheusEndpoint stats;
        private final IstioTelemetry telemetry;
        private final ProxySecurity security;
        private volatile int exitCode;
        private boolean closing;
        private final AccessLog accessLogWriter;
        private final ZipkinExporter zipkin;
        private final SpanExporters spanExporters;

        Running(NodeIdentity identity, HostPort target, ProxySecurity security) {
            this.identity = identity;
            this.security = security;
            log.info("skiff proxy for {}.{} starting: node {}, control plane {}", identity.workload(),
                    identity.namespace(), identity.nodeId(), target);
            WorkloadMetadata workload = new WorkloadMetadata(identity.workload(), identity.namespace(),
                    identity.workload(), identity.labels(), clusterId);
            this.telemetry = new IstioTelemetry(new IstioMetrics(), workload, identity.nodeId());
            this.accessLogWriter = new AccessLog(telemetry, System.out, AccessLog.DEFAULT_CAPACITY,
                    accessLog.equals("stdout"));
            LocalEndpoint local = new LocalEndpoint(identity.workload() + "." + identity.namespace(),
                    identity.address().orElse(null), identity.nodeId(), identity.namespace());
            if (zipkinAddress != null) {
                HostPort collector = HostPort.parse(spec.commandLine(), "--zipkin-address", zipkinAddress);
                this.zipkin = new ZipkinExporter(collector.host(), collector.port(), local,
                        ZipkinExporter.DEFAULT_CAPACITY, ZipkinExporter.DEFAULT_MAX_BATCH,
                        ZipkinExporter.DEFAULT_LINGER);
                log.info("tracing to Zipkin at {}, sampling {}%", zipkin.endpoint(), traceSampling);
            } else {
                this.zipkin = null;
            }
            this.spanExporters = new SpanExporters(zipkin, local, () -> runtime().snapshot(),
                    () -> runtime().eventLoopGroup());
            RequestListener listener = new Tracing(accessLogWriter, new Sampler(traceSampling),
                    ThreadLocalRandom::current, spanExporters);
            this.runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withRequestListener(listener)
                    .withDrainTime(Duration.ofSeconds(drainTimeSeconds))
                    .withPeerExchange(PeerExchange.of(workload, identity.nodeId())),
                    security.contexts(), security.contexts());
            this.assembler = new XdsConfigAssembler(identity.toNode(), Clock.systemUTC(), this::apply);
            this.client = AdsClient.plaintext(target.host(), target.port(), runtime.eventLoopGroup(),
                    identity.toNode(), assembler, ReconnectBackoff.standard(new SplittableRandom()));
            // The xDS client connects (on its own thread) while this one binds the admin, stats and health servers;
            // with the address known up front, the first snapshot must not bind them a second time.
            String known = identity.address().orElse(null);
            servingAddress = known;
            security.start(client::start);
            if (known != null) {
                try {
                    serveOn(known);
                } catch (RuntimeException e) {
                    close();
                    throw e;
                }
            }
        }

        /** Runs on the xDS client's thread for every new snapshot; throwing makes the client NACK the update. */
        private void apply(ProxyConfigSnapshot snapshot) {
            runtime.apply(snapshot);
            if (servingAddress == null) {
                String learned = learnedAddress(snapshot);
                servingAddress = learned;
                try {
                    serveOn(learned);
                } catch (RuntimeException e) {
                    log.error("cannot start the admin and health servers on {}: {}; stopping", learned,
                            e.getMessage());
                    exitCode = 1;
                    Thread.ofPlatform().name("skiff-proxy-stop").start(this::close);
                }
            }
        }

        private String learnedAddress(ProxyConfigSnapshot snapshot) {
            for (ListenerSpec listener : snapshot.listeners()) {
                if (listener.name().equals("virtualOutbound")) {
                    String learned = listener.address().getAddress().getHostAddress();
                    log.info("workload address {} learned from listener virtualOutbound", learned);
                    return learned;
                }
            }
            log.warn("no --address and no virtualOutbound listener in the first configuration; admin and health"
                    + " servers listen on 127.0.0.1");
            return "127.0.0.1";
        }

        /** Starts the admin and health servers on the workload address; health is ready once a config applied. */
        private void serveOn(String workloadAddress) {
            InetAddress ip = InetAddress.ofLiteral(workloadAddress);
            admin = new AdminServer(new InetSocketAddress(ip, adminPort), runtime, assembler::configDumpJson,
                    assembler::hasFullConfig,
                    () -> telemetry.metrics().humanReadable() + RbacStats.global().humanReadable());
            stats = new PrometheusEndpoint(new InetSocketAddress(ip, statsPort), telemetry.metrics());
            health = new HealthServer(new InetSocketAddress(ip, healthPort), runtime.eventLoopGroup(),
                    () -> security.ready() && assembler.hasFullConfig());
            log.info("admin server on {}, health server on {}", admin.address(), health.address());
        }

        /** The runtime serving the configuration. */
        public ProxyRuntime runtime() {
            return runtime;
        }

        /** The assembler holding the accepted configuration. */
        public XdsConfigAssembler assembler() {
            return assembler;
        }

        /** The identity the proxy connects as. */
        public NodeIdentity identity() {
            return identity;
        }

        /** The workload address the admin and health servers listen on, once known. */
        public Optional<String> servingAddress() {
            return Optional.ofNullable(servingAddress);
        }

        /** Where the admin server listens, once started. */
        public Optional<InetSocketAddress> adminAddress() {
            AdminServer server = admin;
            return server == null ? Optional.empty() : Optional.of(server.address());
        }

        /** Where Istio's standard metrics are served ({@code /stats/prometheus}), once started. */
        public Optional<InetSocketAddress> statsAddress() {
            PrometheusEndpoint server = stats;
            return server == null ? Optional.empty() : Optional.of(server.address());
        }

        /** The sidecar's Istio telemetry (its metrics registry and peer metadata exchange). */
        public IstioTelemetry telemetry() {
            return telemetry;
        }

        /**
         * The access log writer (its drop count); it logs when {@code --access-log stdout} or a Telemetry turns it
         * on for a listener, so it is always present.
         */
        public Optional<AccessLog> accessLog() {
            return Optional.ofNullable(accessLogWriter);
        }

        /** The Zipkin span exporter (its exported, failed and dropped counts), when tracing is on. */
        public Optional<ZipkinExporter> zipkin() {
            return Optional.ofNullable(zipkin);
        }

        /** Where the health server listens, once started. */
        public Optional<InetSocketAddress> healthAddress() {
            HealthServer server = health;
            return server == null ? Optional.empty() : Optional.of(server.address());
        }

        /** 0, or 1 when the proxy stopped because it could not serve its admin or health port. */
        public int exitCode() {
            return exitCode;
        }

        /** Blocks until {@link #close()} has finished. */
        public void awaitClosed() throws InterruptedException {
            closed.await();
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closing) {
                    return;
                }
                closing = true;
            }
            log.info("skiff proxy for {}.{} stopping", identity.workload(), identity.namespace());
            try {
                client.close();
                security.close();
                closeQuietly(health);
                closeQuietly(admin);
                closeQuietly(stats);
                // The OTLP/gRPC exporters send their last spans on the event loops, before these stop.
                closeQuietly(spanExporters);
                runtime.close();
                closeQuietly(accessLogWriter);
                closeQuietly(zipkin);
            } finally {
                closed.countDown();
                log.info("skiff proxy stopped");
            }
        }

        private void closeQuietly(AutoCloseable server) {
            if (server == null) {
                return;
            }
            try {
                server.close();
            } catch (Exception e) {
                log.warn("closing {}: {}", server.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
