package dev.skiff.proxy.upstream;

/** Receives what an upstream HTTP/1.1 connection delivers while it is bound to one request. */
public interface UpstreamListener {

    /** A decoded response part (or raw bytes after an upgrade); the listener owns it and must release or forward it. */
    void onUpstreamMessage(Object message);

    /** The end of one read batch: flush what was forwarded. */
    void onUpstreamReadComplete();

    /** The connection closed (or failed) while bound to this listener. */
    void onUpstreamClosed();

    /** The connection's writability changed; resume the downstream when it is writable again. */
    void onUpstreamWritabilityChanged(boolean writable);
}
