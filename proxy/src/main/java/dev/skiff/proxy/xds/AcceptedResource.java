package dev.skiff.proxy.xds;

import com.google.protobuf.Message;

import java.time.Instant;
import java.util.Objects;

/**
 * One resource the proxy accepted: the message as received, what it was translated into, and the version of the
 * response that first brought these exact bytes.
 *
 * @param name        the resource name
 * @param raw         the Envoy message
 * @param translated  the runtime record(s) it became
 * @param version     the {@code version_info} of the response that delivered it
 * @param lastUpdated when it was accepted
 */
record AcceptedResource<T>(String name, Message raw, T translated, String version, Instant lastUpdated) {
    public AcceptedResource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(translated, "translated");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(lastUpdated, "lastUpdated");
    }
}
