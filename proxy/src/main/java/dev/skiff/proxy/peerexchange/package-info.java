/**
 * Istio's TCP metadata exchange between sidecars: over a mutual TLS connection whose handshake negotiated ALPN
 * {@code istio-peer-exchange}, each side sends its workload metadata before any application byte and takes the
 * peer's off the bytes it receives, so TCP metrics carry the peer's workload labels.
 */
package dev.skiff.proxy.peerexchange;
