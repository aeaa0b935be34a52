package dev.skiff.proxy.upstream;

/** The outcome of asking a pool for a connection; called on the pool's event loop. */
public interface ConnectCallback {

    void onConnected(Http1UpstreamConnection connection);

    void onConnectFailed(Throwable cause);
}
