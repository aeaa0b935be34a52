package dev.skiff.proxy.model;

/**
 * TCP keepalive of upstream connections; a value of 0 leaves that setting to the operating system.
 *
 * @param probes       unanswered probes before the connection is dropped
 * @param timeSeconds  idle seconds before the first probe
 * @param intervalSeconds seconds between probes
 */
public record TcpKeepaliveSpec(int probes, int timeSeconds, int intervalSeconds) {
    public TcpKeepaliveSpec {
        if (probes < 0 || timeSeconds < 0 || intervalSeconds < 0) {
            throw new IllegalArgumentException("tcp keepalive: probes " + probes + ", time " + timeSeconds
                    + "s, interval " + intervalSeconds + "s (expected: >= 0 each)");
        }
    }
}
