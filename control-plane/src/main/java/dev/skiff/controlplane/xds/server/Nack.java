package dev.skiff.controlplane.xds.server;

import java.time.Instant;

/**
 * A response the proxy rejected.
 *
 * @param version the version the proxy rejected (the version of the response with {@code nonce})
 * @param nonce   the nonce of the rejected response
 * @param message the proxy's {@code error_detail} message
 * @param time    when the NACK arrived
 */
public record Nack(String version, String nonce, String message, Instant time) {
}
