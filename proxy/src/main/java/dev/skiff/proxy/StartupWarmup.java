package dev.skiff.proxy;

import com.google.protobuf.Descriptors.Descriptor;
import dev.skiff.api.stats.PluginConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Supplier;

/**
 * Builds the protobuf descriptors of the xDS messages a sidecar's first configuration carries on a thread of its
 * own while the proxy parses its options, starts its servers and connects to the control plane. Building them (the
 * generated classes parse their embedded descriptors and link every file they import) is the largest single cost
 * of the first xDS response on a cold JVM; done here, it overlaps with work that would otherwise run before it. The
 * xDS client needs the same classes and waits for a class another thread is initializing, so the order of the two
 * does not matter; the generated classes only depend on the files they import, so the two threads cannot wait on
 * each other.
 */
final class StartupWarmup {
    private static final Logger log = LoggerFactory.getLogger(StartupWarmup.class);

    private static final List<Supplier<Descriptor>> TYPES = List.of(
            DiscoveryResponse::getDescriptor,
            Cluster::getDescriptor,
            Listener::getDescriptor,
            HttpConnectionManager::getDescriptor,
            Router::getDescriptor,
            RouteConfiguration::getDescriptor,
            ClusterLoadAssignment::getDescriptor,
            HttpProtocolOptions::getDescriptor,
            TcpProxy::getDescriptor,
            Cors::getDescriptor,
            HTTPFault::getDescriptor,
            PluginConfig::getDescriptor,
            UpstreamTlsContext::getDescriptor,
            DownstreamTlsContext::getDescriptor);

    private StartupWarmup() {
    }

    /** Starts the warm-up on a daemon thread and returns at once. */
    static void start() {
        Thread.ofPlatform().name("skiff-warmup").daemon().start(StartupWarmup::run);
    }

    private static void run() {
        long started = System.nanoTime();
        for (Supplier<Descriptor> type : TYPES) {
            type.get();
        }
        log.debug("xDS message descriptors built in {} ms", (System.nanoTime() - started) / 1_000_000);
    }
}
