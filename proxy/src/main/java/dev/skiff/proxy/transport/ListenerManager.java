package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.ListenerSpec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Owns the listener sockets: binds, keeps, rebinds and drains them as snapshots come and go. Its methods are
 * called by one control thread at a time (the runtime serializes them); {@link #boundAddress} may be called from
 * anywhere.
 */
public final class ListenerManager {

    private final EventLoopGroup group;
    private final Supplier<RuntimeState> state;
    private final Map<?, Worker> workers;
    private final OriginalDestination originalDestination;
    private final Duration drainTimeout;
    private final DownstreamTlsFactory tlsFactory;
    private final Duration drainTime;
    private final Map<String, ListenerBinding> bindings = new ConcurrentHashMap<>();

    /**
     * @param workers the worker of each event loop, keyed by the loop
     */
    public ListenerManager(EventLoopGroup group, Supplier<RuntimeState> state, Map<?, Worker> workers,
                           OriginalDestination originalDestination, Duration drainTimeout) {
        this(group, state, workers, originalDestination, drainTimeout, DownstreamTlsFactory.NONE,
                ProxyRuntimeOptions.DEFAULT_DRAIN_TIME);
    }

    /**
     * @param workers    the worker of each event loop, keyed by the loop
     * @param tlsFactory makes the TLS handlers of filter chains that terminate TLS
     * @param drainTime  how long the connections of a listener whose filter chains were replaced may keep going
     *                   under the old ones before they are closed
     */
    public ListenerManager(EventLoopGroup group, Supplier<RuntimeState> state, Map<?, Worker> workers,
                           OriginalDestination originalDestination, Duration drainTimeout,
                           DownstreamTlsFactory tlsFactory, Duration drainTime) {
        this.drainTime = drainTime;
        this.group = group;
        this.state = state;
        this.workers = workers;
        this.originalDestination = originalDestination;
        this.drainTimeout = drainTimeout;
        this.tlsFactory = tlsFactory;
    }

    /**
     * Binds what {@code specs} need, then runs {@code publish}, then retires the listeners that are gone or moved
     * and drains the connections of listeners whose filter chains changed (their sockets stay bound; new
     * connections get the new chains; the old ones are closed after the drain time at the latest).
     *
     * @param next the state the new sockets serve until it is published
     * @throws IllegalStateException when a socket cannot be bound; nothing is published then
     */
    public void apply(List<ListenerSpec> specs, RuntimeState next, Runnable publish) {
        Set<String> names = new HashSet<>();
        List<ListenerSpec> toBind = new ArrayList<>();
        Map<ListenerBinding, ListenerSpec> changed = new LinkedHashMap<>();
        for (ListenerSpec spec : specs) {
            names.add(spec.name());
            ListenerBinding existing = bindings.get(spec.name());
            if (existing == null || !existing.configuredAddress().equals(spec.address())) {
                toBind.add(spec);
            } else if (!existing.spec().equals(spec)) {
                changed.put(existing, spec);
            }
        }
        List<ListenerBinding> retiring = new ArrayList<>();
        for (ListenerBinding binding : bindings.values()) {
            if (!names.contains(binding.name()) || toBind.stream().anyMatch(s -> s.name().equals(binding.name()))) {
                retiring.add(binding);
            }
        }
        for (ListenerSpec spec : toBind) {
            for (ListenerBinding binding : retiring) {
                if (spec.address().getPort() != 0 && binding.configuredAddress().equals(spec.address())) {
                    retire(binding);
                }
            }
        }
        Map<String, ListenerBinding> fresh = new LinkedHashMap<>();
        for (ListenerSpec spec : toBind) {
            try {
                fresh.put(spec.name(), bind(spec, next));
            } catch (IllegalStateException e) {
                fresh.values().forEach(ListenerBinding::close);
                throw e;
            }
        }
        List<List<Channel>> toDrain = new ArrayList<>();
        changed.forEach((binding, spec) -> toDrain.add(binding.respec(spec)));
        publish.run();
        toDrain.forEach(accepted -> ListenerBinding.drain(accepted, drainTime));
        for (ListenerBinding binding : retiring) {
            bindings.remove(binding.name(), binding);
            if (!binding.isDraining()) {
                retire(binding);
            }
        }
        bindings.putAll(fresh);
    }

    private void retire(ListenerBinding binding) {
        binding.drain();
        if (drainTimeout.isZero()) {
            binding.close();
        } else {
            group.schedule(binding::close, drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private ListenerBinding bind(ListenerSpec spec, RuntimeState next) {
        ListenerBinding binding = new ListenerBinding(spec, new DefaultChannelGroup(spec.name(),
                GlobalEventExecutor.INSTANCE));
        String name = spec.name();
        Supplier<RuntimeState> current = () -> {
            RuntimeState published = state.get();
            return published.listeners().containsKey(name) ? published : next;
        };
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new DownstreamInitializer(name, binding, current, workers, originalDestination,
                        tlsFactory))
                .bind(spec.address())
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IllegalStateException("listener " + name + ": cannot bind " + spec.address() + ": "
                    + bound.cause().getMessage() + " (expected: a free local address)", bound.cause());
        }
        binding.bound(bound.channel());
        return binding;
    }

    /** Where the listener of that name is bound, if it is. */
    public Optional<InetSocketAddress> boundAddress(String listenerName) {
        ListenerBinding binding = bindings.get(listenerName);
        return binding == null ? Optional.empty() : Optional.of(binding.boundAddress());
    }

    /** Closes every listener socket and connection. */
    public void closeAll() {
        for (ListenerBinding binding : bindings.values()) {
            binding.closeAndWait();
        }
        bindings.clear();
    }
}
