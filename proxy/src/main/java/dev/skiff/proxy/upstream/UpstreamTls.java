package dev.skiff.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

/** Waits for an upstream TLS handshake before a new connection is handed out. */
final class UpstreamTls {

    private UpstreamTls() {
    }

    /**
     * Runs {@code onReady} once the handshake succeeded; a failed handshake counts as a connection failure of the
     * host and closes the channel.
     */
    static void afterHandshake(SslHandler handler, Channel channel, UpstreamHost host, ConnectCallback callback,
                               Runnable onReady) {
        handler.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                onReady.run();
            } else {
                host.connectFailed();
                channel.close();
                callback.onConnectFailed(handshake.cause());
            }
        });
    }
}
