package dev.skiff.bench.xds;

import java.util.List;

/**
 * One simulator run against one control plane: the initial sync of {@code proxies} sidecars, the memory they
 * cost the control plane, and every change with its convergence time, bytes and CPU.
 *
 * @param controlPlane          what served ({@code skiff}, {@code java-control-plane})
 * @param protocol              {@code sotw} or {@code delta}
 * @param channels              gRPC channels (HTTP/2 connections) the streams shared
 * @param syncSeconds           from opening the first stream to the last sidecar having ACKed CDS, EDS, LDS and RDS
 * @param syncBytes             bytes of every response received during the initial sync
 * @param memory                the control plane's memory before the sidecars connected and once they were synced
 * @param changes               every change applied, in order
 * @param summaries             per kind of change: percentiles and means
 * @param streamFailures        streams that failed or were ended by the control plane
 * @param firstFailure          what the first failure was, or {@code null}
 */
public record SimResult(String kind, String controlPlane, String protocol, int proxies, int services, int channels,
                        double syncSeconds, long syncBytes, Memory memory, List<Change> changes,
                        List<Summary> summaries, int streamFailures, String firstFailure) {

    /**
     * @param rssBefore         resident bytes before any sidecar connected
     * @param rssAfter          resident bytes with every sidecar connected and synced
     * @param heapBefore        heap bytes in use after a full collection, before
     * @param heapAfter         the same, with every sidecar connected
     * @param rssPerProxy       {@code (rssAfter - rssBefore) / proxies}
     * @param heapPerProxy      {@code (heapAfter - heapBefore) / proxies}
     */
    public record Memory(long rssBefore, long rssAfter, long heapBefore, long heapAfter, double rssPerProxy,
                         double heapPerProxy) {
    }

    /**
     * @param convergedProxies  sidecars that ACKed the change before the timeout
     * @param convergenceMillis from writing the change to the last sidecar's ACK, {@code null} on timeout
     * @param bytes             bytes received by all sidecars from the write until the settle time after convergence
     * @param cpuSeconds        control-plane CPU over the same window
     */
    public record Change(int sequence, String kind, String token, int convergedProxies, Double convergenceMillis,
                         long bytes, double cpuSeconds) {
    }

    /**
     * @param changes           how many changes of this kind were applied
     * @param converged         how many of them reached every sidecar
     * @param p50Millis         nearest-rank median convergence of the converged ones ({@code null} if none)
     * @param p99Millis         nearest-rank 99th percentile
     * @param maxMillis         the slowest
     * @param meanBytes         mean bytes per push over all sidecars
     * @param meanBytesPerProxy {@code meanBytes / proxies}
     * @param meanCpuSeconds    mean control-plane CPU seconds per push
     */
    public record Summary(String kind, int changes, int converged, Double p50Millis, Double p99Millis,
                          Double maxMillis, double meanBytes, double meanBytesPerProxy, double meanCpuSeconds) {
    }
}
