package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.ListenerSpec;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bound listener socket and the connections it accepted. When the listener goes away the socket closes and its
 * connections drain.
 */
public final class ListenerBinding {

    private final String name;
    private final InetSocketAddress configuredAddress;
    private final ChannelGroup connections;
    private volatile ListenerSpec spec;
    private volatile Channel serverChannel;
    private volatile boolean draining;

    /** A binding whose socket is set by {@link #bound(Channel)} once bound. */
    public ListenerBinding(ListenerSpec spec, ChannelGroup connections) {
        this.name = spec.name();
        this.configuredAddress = spec.address();
        this.connections = connections;
        this.spec = spec;
    }

    /** The spec of the configuration last applied to this socket. */
    public ListenerSpec spec() {
        return spec;
    }

    /**
     * Records that the listener now serves {@code next} (same address, other filter chains) and returns the
     * connections accepted under the previous spec, which the caller drains once {@code next} is published.
     */
    List<Channel> respec(ListenerSpec next) {
        this.spec = next;
        return List.copyOf(connections);
    }

    /**
     * Asks each of {@code accepted} to finish its current request and close (an HTTP/1.1 connection after its
     * response, an HTTP/2 one with a GOAWAY once its streams are done) and closes what is still open after
     * {@code drainTime} (TCP relays and tunnels, long requests), as Envoy drains the connections of a changed filter
     * chain, so that no connection keeps serving a policy (routes, authorization) that was replaced.
     */
    static void drain(List<Channel> accepted, Duration drainTime) {
        for (Channel connection : accepted) {
            connection.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
            ScheduledFuture<?> close = connection.eventLoop().schedule(() -> {
                connection.close();
            }, drainTime.toNanos(), TimeUnit.NANOSECONDS);
            connection.closeFuture().addListener(closed -> close.cancel(false));
        }
    }

    void bound(Channel serverChannel) {
        this.serverChannel = serverChannel;
    }

    public String name() {
        return name;
    }

    /** The address in the spec (port 0 stays 0), to tell whether a new spec needs a new socket. */
    public InetSocketAddress configuredAddress() {
        return configuredAddress;
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public boolean isDraining() {
        return draining;
    }

    void accepted(Channel connection) {
        connections.add(connection);
    }

    /** Stops accepting and asks every open connection to finish its work and close. */
    public void drain() {
        draining = true;
        serverChannel.close().syncUninterruptibly();
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
    }

    /** Starts closing the socket and every connection at once, without waiting. */
    public void close() {
        draining = true;
        serverChannel.close();
        connections.close();
    }

    /** Closes the socket and every connection and waits until they are closed; not for event loop threads. */
    public void closeAndWait() {
        draining = true;
        serverChannel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
    }
}
