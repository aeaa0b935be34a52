/**
 * Upstream clusters and connections: {@link dev.skiff.proxy.upstream.UpstreamClusters} (the clusters of a snapshot,
 * reusing unchanged hosts and balancers), per-event-loop load balancers (smooth weighted round robin, power of two
 * choices least request), weighted cluster picks, and per-event-loop connection pools (HTTP/1.1 keep-alive, one
 * shared HTTP/2 connection per host).
 */
package dev.skiff.proxy.upstream;
