package dev.skiff.controlplane.xds;

import java.util.Collection;
import java.util.Set;

/** Produces, for one proxy and one resource type, the resources it should hold now. Implemented by the generators. */
public interface XdsResourceProvider {
    /**
     * @param proxy      the client
     * @param typeUrl    one of {@link TypeUrls}
     * @param subscribed resource names the client asked for; empty means a wildcard subscription
     * @return every resource of that type the proxy should have (for named subscriptions, only those names that
     *         exist); the same {@link XdsResource} instances are returned to every proxy that shares them
     */
    Collection<XdsResource> resources(ProxyView proxy, String typeUrl, Set<String> subscribed);

    /** A version for the configuration the provider currently serves; changes whenever any output may change. */
    String snapshotVersion();
}
