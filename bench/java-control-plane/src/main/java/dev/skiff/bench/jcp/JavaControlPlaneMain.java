package dev.skiff.bench.jcp;

import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.config.DirectoryConfigSource;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.server.ProxyViews;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of the control-plane benchmark: Envoy's java-control-plane ({@link V3DiscoveryServer} over a
 * {@link SimpleCache} with one node group per node id) serving the resources Skiff's generators produce from a
 * watched directory of Istio YAML. A node's snapshot is set when its first request arrives, and every node's
 * snapshot is recomputed and set again when the directory changes.
 */
@Command(name = "java-control-plane-baseline", mixinStandardHelpOptions = true,
        description = "Serve ADS with java-control-plane's SimpleCache from a watched directory of Istio YAML.")
public final class JavaControlPlaneMain implements Callable<Integer> {
    @Option(names = "--config-dir", required = true, paramLabel = "DIR", description = "Directory of *.yaml files (Istio kinds), watched for changes.")
    Path configDir;

    @Option(names = "--xds-address", defaultValue = "127.0.0.1:15010", paramLabel = "HOST:PORT",
            description = "Where ADS is served (a loopback address; default: ${DEFAULT-VALUE}).")
    String xdsAddress;

    private final SkiffSnapshots snapshots = new SkiffSnapshots();
    private final SimpleCache<String> cache = new SimpleCache<>(Node::getId);
    private final Map<String, ProxyView> nodes = new ConcurrentHashMap<>();

    public static void main(String[] args) {
        int code = new CommandLine(new JavaControlPlaneMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(configDir)) {
            System.err.println("java-control-plane-baseline: --config-dir " + configDir + ": not a directory");
            return 2;
        }
        InetSocketAddress address = loopback(xdsAddress);
        DirectoryConfigSource source = new DirectoryConfigSource(configDir);
        source.start(this::apply);
        V3DiscoveryServer discovery = new V3DiscoveryServer(new NodeRegistration(), cache);
        Server server = NettyServerBuilder.forAddress(address)
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
        System.out.println("java-control-plane-baseline: serving ADS on " + address.getHostString() + ":"
                + server.getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            source.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        server.awaitTermination(5, TimeUnit.SECONDS);
        return 0;
    }

    private void apply(ConfigSnapshot config) {
        snapshots.update(config);
        nodes.entrySet().parallelStream().forEach(node -> cache.setSnapshot(node.getKey(), snapshots.snapshot(node.getValue())));
        System.out.println("java-control-plane-baseline: config version " + config.version() + " set for "
                + nodes.size() + " nodes");
    }

    /** Gives a node its snapshot when its first request arrives. */
    private final class NodeRegistration implements DiscoveryServerCallbacks {
        @Override
        public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            register(request.getNode());
        }

        @Override
        public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            register(request.getNode());
        }

        private void register(Node node) {
            if (node.getId().isEmpty() || nodes.containsKey(node.getId())) {
                return;
            }
            ProxyView view = ProxyViews.fromNode(node);
            if (nodes.putIfAbsent(node.getId(), view) == null) {
                cache.setSnapshot(node.getId(), snapshots.snapshot(view));
            }
        }
    }

    private static InetSocketAddress loopback(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            InetAddress host = InetAddress.ofLiteral(hostPort.substring(0, colon));
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (!host.isLoopbackAddress() || port < 0 || port > 65535) {
                throw new IllegalArgumentException();
            }
            return new InetSocketAddress(host, port);
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(new CommandLine(new JavaControlPlaneMain()), "--xds-address "
                    + hostPort + ": expected HOST:PORT with a loopback IP address and a port from 0 to 65535");
        }
    }
}
