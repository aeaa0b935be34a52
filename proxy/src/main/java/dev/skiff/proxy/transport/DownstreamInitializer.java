package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.sni.SniInspector;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Sets up an accepted connection: captures its listener as configured at accept time, finds the destination (the
 * original destination when the listener uses it and one is known, else the local address) and the filter chain
 * for its port. A TCP chain relays bytes; an HTTP chain serves every request; an outbound listener reached without
 * redirection works as an explicit HTTP proxy where each request picks its chain by its authority's port. HTTP
 * connections speak HTTP/1.1 or HTTP/2 (prior knowledge), told apart by their first bytes. When the port's chains
 * name transport protocols or terminate TLS, the first bytes also tell TLS from plaintext and pick the chain; a
 * TLS chain's handshake comes before its HTTP or TCP handlers. When they name server names, the ClientHello's SNI
 * picks the chain ({@link SniInspector}).
 */
final class DownstreamInitializer extends ChannelInitializer<SocketChannel> {

    private static final Logger LOG = LoggerFactory.getLogger(DownstreamInitializer.class);

    private static final int MAX_INITIAL_LINE = 16 * 1024;
    private static final int MAX_HEADER_SIZE = 60 * 1024;

    private final String listenerName;
    private final ListenerBinding binding;
    private final Supplier<RuntimeState> state;
    private final Map<?, Worker> workers;
    private final OriginalDestination originalDestination;
    private final DownstreamTlsFactory tlsFactory;

    /**
     * @param workers    the worker of each event loop, keyed by the loop itself
     * @param tlsFactory makes the TLS handlers of chains that terminate TLS
     */
    DownstreamInitializer(String listenerName, ListenerBinding binding, Supplier<RuntimeState> state,
                          Map<?, Worker> workers, OriginalDestination originalDestination,
                          DownstreamTlsFactory tlsFactory) {
        this.listenerName = listenerName;
        this.binding = binding;
        this.state = state;
        this.workers = workers;
        this.originalDestination = originalDestination;
        this.tlsFactory = tlsFactory;
    }

    static HttpServerCodec newServerCodec() {
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE));
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        binding.accepted(ch);
        RuntimeState current = state.get();
        ListenerRuntime listener = current.listeners().get(listenerName);
        Worker worker = workers.get(ch.eventLoop());
        if (listener == null || worker == null) {
            ch.close();
            return;
        }
        ListenerSpec spec = listener.spec();
        InetSocketAddress original = spec.useOriginalDst() ? originalDestination.of(ch) : null;
        ConnectionContext connection = new ConnectionContext(worker, state, listener, binding, null);
        if (original == null && spec.direction() == Direction.OUTBOUND) {
            addHttp(ch, connection);
            return;
        }
        int port = original != null ? original.getPort() : ch.localAddress().getPort();
        if (listener.chains().matchesServerNames(port)) {
            ch.pipeline().addLast(SniInspector.NAME, new SniInspector(SniInspector.DEFAULT_TIMEOUT,
                    (ctx, transport, serverName) -> selected(ctx, listener.chains().forServerName(port, transport,
                            serverName), connection, current, worker)));
            return;
        }
        if (listener.chains().detectsTransport(port)) {
            ch.pipeline().addLast(TransportProtocolDetector.NAME, new TransportProtocolDetector((ctx, tls) ->
                    selected(ctx, listener.chains().forConnection(port,
                            tls ? FilterChainSpec.TLS : FilterChainSpec.RAW_BUFFER), connection, current, worker)));
            return;
        }
        FilterChainSpec chain = listener.chains().forConnection(port);
        if (chain == null || !serve(ch, chain, connection, current, worker)) {
            ch.close();
        }
    }

    /** Serves the connection by the chain its first bytes picked (null: none fits, the connection is closed). */
    private boolean selected(ChannelHandlerContext ctx, FilterChainSpec chain, ConnectionContext connection,
                             RuntimeState current, Worker worker) {
        if (chain == null || !serve((SocketChannel) ctx.channel(), chain, connection, current, worker)) {
            return false;
        }
        if (chain.action() instanceof TcpProxySpec) {
            ctx.fireChannelActive();
        }
        return true;
    }

    private boolean serve(SocketChannel ch, FilterChainSpec chain, ConnectionContext connection,
                          RuntimeState current, Worker worker) {
        if (chain.tls() != null) {
            SslHandler ssl;
            try {
                ssl = tlsFactory.newHandler(chain.tls(), ch.alloc());
            } catch (IllegalStateException e) {
                LOG.warn("listener {}: filter chain {}: connection from {} refused: {}", listenerName, chain.name(),
                        ch.remoteAddress(), e.getMessage());
                return false;
            }
            ch.pipeline().addLast("tls", ssl);
        }
        if (chain.action() instanceof TcpProxySpec tcp) {
            RequestContext context = new RequestContext(listenerName, connection.listener().spec().direction(),
                    System.nanoTime()).telemetry(tcp.telemetry());
            ch.pipeline().addLast(new TcpProxyHandler(worker, tcp, current.clusters(), context));
        } else if (chain.action() instanceof HttpConnectionManagerSpec) {
            addHttp(ch, connection.withChain(chain));
        }
        return true;
    }

    private static void addHttp(SocketChannel ch, ConnectionContext connection) {
        ch.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(connection));
    }
}
