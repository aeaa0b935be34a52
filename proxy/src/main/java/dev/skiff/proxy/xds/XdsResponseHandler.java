package dev.skiff.proxy.xds;

import com.google.protobuf.Any;

import java.util.List;
import java.util.Set;

/**
 * Receives the resources of every ADS response and decides whether to accept them. Called on the ADS client's own
 * thread, one response at a time.
 */
public interface XdsResponseHandler {
    /**
     * Translates and applies one state-of-the-world response.
     *
     * @param typeUrl   one of {@link XdsTypeUrls}
     * @param version   the response's {@code version_info}
     * @param resources the resources, each unpacked from a {@code Resource} wrapper where the server used one
     * @throws XdsRejectedException when the response cannot be applied; the client NACKs it with the reason and the
     *                              previous configuration stays in force
     */
    void onResponse(String typeUrl, String version, List<Any> resources) throws XdsRejectedException;

    /**
     * The resource names to subscribe to for a type subscribed by name ({@link XdsTypeUrls#ENDPOINT},
     * {@link XdsTypeUrls#ROUTE}), given everything accepted so far. Consulted after every accepted response.
     */
    Set<String> resourceNames(String typeUrl);
}
