package dev.skiff.bench.xds;

import java.util.List;

/**
 * The protocol side of one simulated sidecar, without transport: which requests to send first, and, for each
 * response, the requests it calls for (the ACK, then any change of EDS or RDS subscription). Not thread-safe; the
 * caller serializes calls.
 *
 * @param <Q> request message type
 * @param <R> response message type
 */
interface XdsSession<Q, R> {
    /** The first requests: CDS and LDS by wildcard, the node on the first one. */
    List<Q> start();

    /**
     * @param probe the change being measured, or {@code null} when none is (or this sidecar already has it)
     */
    Outcome<Q> onResponse(R response, ChangeProbe probe);

    /** Whether every type (CDS, EDS, LDS, RDS) was received and ACKed at least once. */
    boolean synced();

    /** What to send after a response, and whether the response carried the probed change. */
    record Outcome<Q>(List<Q> requests, boolean carriesProbe) {
    }
}
