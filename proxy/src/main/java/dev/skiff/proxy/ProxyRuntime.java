package dev.skiff.proxy;

import dev.skiff.proxy.filter.RouterFilter;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.transport.DownstreamTlsFactory;
import dev.skiff.proxy.transport.ListenerManager;
import dev.skiff.proxy.transport.RuntimeState;
import dev.skiff.proxy.transport.Worker;
import dev.skiff.proxy.upstream.UpstreamPools;
import dev.skiff.proxy.upstream.UpstreamTlsFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The proxy's data plane: one shared group of event loops, the listeners of the current snapshot and the
 * per-loop routers and connection pools. {@link #apply} publishes a new snapshot atomically. A connection keeps the
 * listener (filter chains, inline routes) it was accepted with; each request reads the RDS route table and the
 * clusters in force when it starts and keeps them to its end, so route and endpoint updates reach long-lived
 * keep-alive connections, as in Envoy.
 */
public final class ProxyRuntime implements AutoCloseable {

    /** How often one event loop checks whether a cluster's outlier detection interval has come round. */
    private static final long OUTLIER_SWEEP_TICK_MILLIS = 100;

    private final EventLoopGroup group;
    private final Map<EventExecutor, Worker> workers;
    private final AtomicReference<RuntimeState> state = new AtomicReference<>(RuntimeState.empty());
    private final ListenerManager listeners;

    public ProxyRuntime(ProxyRuntimeOptions options) {
        this(options, UpstreamTlsFactory.NONE, DownstreamTlsFactory.NONE);
    }

    /**
     * A runtime whose TLS filter chains and TLS upstreams take their certificates from the given factories (the
     * proxy's agent, which holds the SDS secrets).
     */
    public ProxyRuntime(ProxyRuntimeOptions options, UpstreamTlsFactory upstreamTls,
                        DownstreamTlsFactory downstreamTls) {
        this.group = new MultiThreadIoEventLoopGroup(options.eventLoopThreads(),
                new DefaultThreadFactory("skiff-proxy", true), NioIoHandler.newFactory());
        Map<EventExecutor, Worker> byLoop = new IdentityHashMap<>();
        int index = 0;
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true);
            byLoop.put(executor, new Worker(index, loop, new RouterFilter(options.randomFactory().get(), index),
                    new UpstreamPools(bootstrap, upstreamTls), options.requestListener(), options.peerExchange()));
            index++;
        }
        this.workers = Collections.unmodifiableMap(byLoop);
        this.listeners = new ListenerManager(group, state::get, workers, options.originalDestination(),
                options.drainTimeout(), downstreamTls, options.drainTime());
        group.next().scheduleAtFixedRate(() -> state.get().clusters().sweepOutliers(), OUTLIER_SWEEP_TICK_MILLIS,
                OUTLIER_SWEEP_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Publishes {@code snapshot}: new listeners are bound, listeners whose address changed are rebound, removed
     * ones stop accepting and drain, unchanged ones stay bound. Blocks until the sockets are bound; call it from a
     * thread that is not one of the proxy's event loops.
     *
     * @throws IllegalStateException when a listener cannot be bound; the previous snapshot then stays in force
     */
    public synchronized void apply(ProxyConfigSnapshot snapshot) {
        RuntimeState previous = state.get();
        RuntimeState next = RuntimeState.build(snapshot, previous, workers.size());
        listeners.apply(snapshot.listeners(), next, () -> state.set(next));
    }

    /** The snapshot in force. */
    public ProxyConfigSnapshot snapshot() {
        return state.get().snapshot();
    }

    /** The runtime state in force (snapshot, listeners, clusters with their live hosts). */
    public RuntimeState state() {
        return state.get();
    }

    /** Where the listener of that name is bound, if it is. */
    public Optional<InetSocketAddress> boundAddress(String listenerName) {
        return listeners.boundAddress(listenerName);
    }

    /** The event loops, for servers (admin, health) that run beside the data plane. */
    public EventLoopGroup eventLoopGroup() {
        return group;
    }

    /** Closes every listener and connection and stops the event loops. */
    @Override
    public synchronized void close() {
        listeners.closeAll();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
