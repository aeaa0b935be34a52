package dev.skiff.proxy.upstream;

/** The outcome of asking a pool for a connection; called on the pool's event loop. */
public interface ConnectCallback {

    void onConnected(UpstreamStream stream);

    void onConnectFailed(Throwable cause);
}
