package dev.skiff.proxy.telemetry;

/**
 * The label values of one workload on one side of a request, computed once. Compared by identity: each distinct
 * peer metadata header resolves to one instance, which the series caches use as a key.
 */
final class Peer {

    static final Peer UNKNOWN = new Peer(WorkloadMetadata.UNKNOWN, WorkloadMetadata.UNKNOWN,
            WorkloadMetadata.UNKNOWN, WorkloadMetadata.UNKNOWN, WorkloadMetadata.UNKNOWN, WorkloadMetadata.UNKNOWN,
            WorkloadMetadata.UNKNOWN);

    final String workload;
    final String namespace;
    final String app;
    final String version;
    final String canonicalService;
    final String canonicalRevision;
    final String cluster;

    private Peer(String workload, String namespace, String app, String version, String canonicalService,
                 String canonicalRevision, String cluster) {
        this.workload = workload;
        this.namespace = namespace;
        this.app = app;
        this.version = version;
        this.canonicalService = canonicalService;
        this.canonicalRevision = canonicalRevision;
        this.cluster = cluster;
    }

    static Peer of(WorkloadMetadata metadata) {
        return new Peer(metadata.workloadName(), metadata.namespace(), metadata.app(), metadata.version(),
                metadata.canonicalService(), metadata.canonicalRevision(), metadata.clusterId());
    }
}
