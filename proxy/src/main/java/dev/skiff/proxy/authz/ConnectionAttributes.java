package dev.skiff.proxy.authz;

import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.security.ServerSslHandler;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The {@link RbacAttributes} of the requests of one downstream connection: what the connection knows is fixed at
 * construction, the request is swapped in by {@link #request}. Confined to the connection's event loop.
 */
public final class ConnectionAttributes implements RbacAttributes {
    private final String principal;
    private final byte[] source;
    private final byte[] destination;
    private final int destinationPort;
    private final String serverName;
    private RequestHeadersView view;
    private String metadataFilter;
    private Map<String, Object> metadata;

    /**
     * @param principal  the peer's principal, empty when the connection is not mutual TLS
     * @param remote     the peer's address, null when unknown
     * @param local      the address the connection was accepted on, null when unknown
     * @param serverName the SNI of the TLS handshake, null when none
     */
    public ConnectionAttributes(String principal, InetSocketAddress remote, InetSocketAddress local,
            String serverName) {
        this.principal = principal == null || principal.isEmpty() ? null : principal;
        this.source = remote == null || remote.getAddress() == null ? null : remote.getAddress().getAddress();
        this.destination = local == null || local.getAddress() == null ? null : local.getAddress().getAddress();
        this.destinationPort = local == null ? 0 : local.getPort();
        this.serverName = serverName;
    }

    /**
     * The attributes of the connection carrying {@code channel} (for an HTTP/2 stream, its connection): its peer and
     * local addresses and the SNI of its TLS handshake.
     *
     * @param principal the peer's principal, empty when the connection is not mutual TLS
     */
    public static ConnectionAttributes of(Channel channel, String principal) {
        Channel connection = channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        String serverName = ssl == null ? null : ServerSslHandler.requestedServerName(ssl);
        InetSocketAddress remote = connection.remoteAddress() instanceof InetSocketAddress address ? address : null;
        InetSocketAddress local = connection.localAddress() instanceof InetSocketAddress address ? address : null;
        return new ConnectionAttributes(principal, remote, local, serverName);
    }

    /**
     * Makes this the attributes of the connection itself, as an RBAC network filter sees it: no request, so that
     * header and path matchers never match; returns it.
     */
    public ConnectionAttributes connection() {
        this.view = null;
        this.metadataFilter = null;
        this.metadata = null;
        return this;
    }

    /** Makes this the attributes of the given request, without dynamic metadata, and returns it. */
    public ConnectionAttributes request(RequestHeadersView request) {
        this.view = request;
        this.metadataFilter = null;
        this.metadata = null;
        return this;
    }

    /** Makes this the attributes of the given request with one filter's dynamic metadata, and returns it. */
    public ConnectionAttributes request(RequestHeadersView request, String filter, Map<String, Object> metadata) {
        request(request);
        this.metadataFilter = filter;
        this.metadata = metadata;
        return this;
    }

    @Override
    public Map<String, Object> dynamicMetadata(String filter) {
        return filter.equals(metadataFilter) ? metadata : null;
    }

    @Override
    public String principal() {
        return principal;
    }

    @Override
    public byte[] sourceAddress() {
        return source;
    }

    /** Skiff trusts no forwarded client address, so the original client is the connection's peer. */
    @Override
    public byte[] remoteAddress() {
        return source;
    }

    @Override
    public byte[] destinationAddress() {
        return destination;
    }

    @Override
    public int destinationPort() {
        return destinationPort;
    }

    @Override
    public String requestedServerName() {
        return serverName;
    }

    @Override
    public String path() {
        if (view == null) {
            return null;
        }
        String path = view.path();
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
    }

    @Override
    public String header(String lowerCaseName) {
        return view == null ? null : view.header(lowerCaseName);
    }
}
