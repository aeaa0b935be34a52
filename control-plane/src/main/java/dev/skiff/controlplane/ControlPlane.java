package dev.skiff.controlplane;

import dev.skiff.controlplane.ca.CaServer;
import dev.skiff.controlplane.ca.CaServerOptions;
import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.config.ConfigSource;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.monitor.MonitoringServer;
import dev.skiff.controlplane.telemetry.ControlPlaneMetrics;
import dev.skiff.controlplane.telemetryapi.TracingProviders;
import dev.skiff.controlplane.xds.generator.DefaultXdsResourceProvider;
import dev.skiff.controlplane.xds.server.AdsService;
import dev.skiff.controlplane.xds.server.ConnectedProxies;
import dev.skiff.controlplane.xds.server.XdsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;

/**
 * The control plane's lifecycle: a config source feeds the generators, every new snapshot triggers a push to the
 * connected proxies, and the xDS server and the monitoring port serve the result.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

    private final ConfigSource source;
    private final DefaultXdsResourceProvider provider;
    private final ConnectedProxies proxies = new ConnectedProxies();
    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics().bindJvmMetrics();
    private final AdsService ads;
    private final XdsServer xds;
    private final MonitoringServer monitoring;
    private final CaServer ca;
    private final MeshConfig meshConfig;
    private final Set<String> reportedProblems = new HashSet<>();
    private volatile boolean loaded;

    public ControlPlane(ConfigSource source, InetSocketAddress xdsAddress, InetSocketAddress monitoringAddress,
                        Path stateDir, CaServerOptions caOptions) throws IOException {
        this(source, xdsAddress, monitoringAddress, stateDir, caOptions, MeshConfig.DEFAULT);
    }

    /** A control plane whose generated configuration follows {@code meshConfig} (its tracing providers). */
    public ControlPlane(ConfigSource source, InetSocketAddress xdsAddress, InetSocketAddress monitoringAddress,
                        Path stateDir, CaServerOptions caOptions, MeshConfig meshConfig) throws IOException {
        this.source = source;
        this.meshConfig = meshConfig;
        this.provider = new DefaultXdsResourceProvider(caOptions.settings().trustDomain(), meshConfig);
        this.ads = new AdsService(provider, proxies, Clock.systemUTC(), metrics);
        this.xds = new XdsServer(xdsAddress, ads);
        this.monitoring = new MonitoringServer(monitoringAddress, () -> loaded, proxies, metrics);
        metrics.watchConfigErrors(source::currentErrors);
        this.ca = CaServer.create(stateDir, caOptions, List.of(ads), metrics);
    }

    /** Loads the configuration, then starts serving; returns once both ports are bound. */
    public ControlPlane start() throws IOException {
        source.start(this::apply);
        xds.start();
        ca.start();
        monitoring.start();
        log.info("xDS on port {}, monitoring on port {}", xds.port(), monitoring.port());
        return this;
    }

    private void apply(ConfigSnapshot config) {
        var mesh = provider.update(config);
        loaded = true;
        metrics.configApplied(config);
        log.info("config version {}: {} objects, mesh snapshot {}", config.version(), config.size(), mesh.version());
        List<String> problems = new ArrayList<>(mesh.problems());
        problems.addAll(new TracingProviders(meshConfig, mesh, "").unresolved());
        for (String problem : problems) {
            if (reportedProblems.add(problem)) {
                log.warn("{}", problem);
            }
        }
        reportedProblems.retainAll(problems);
        ads.push();
    }

    public int xdsPort() {
        return xds.port();
    }

    public int caPort() {
        return ca.port();
    }

    public CaServer ca() {
        return ca;
    }

    public int monitoringPort() {
        return monitoring.port();
    }

    /** The control plane's metrics registry, for components that record their own (such as the CA). */
    public ControlPlaneMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        monitoring.close();
        ca.close();
        xds.close();
        source.close();
        metrics.close();
    }
}
