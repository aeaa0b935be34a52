package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.XdsResourceProvider;
import java.util.Collection;
import java.util.Set;

/** Delegates to another provider, except that it throws for one type while told to, as a broken generator would. */
final class FailingResourceProvider implements XdsResourceProvider {
    private final XdsResourceProvider delegate;
    private volatile String failingType;

    FailingResourceProvider(XdsResourceProvider delegate) {
        this.delegate = delegate;
    }

    /** Fail for this type from now on; {@code null} to stop failing. */
    void failOn(String typeUrl) {
        failingType = typeUrl;
    }

    @Override
    public Collection<XdsResource> resources(ProxyView proxy, String typeUrl, Set<String> subscribed) {
        if (typeUrl.equals(failingType)) {
            throw new IllegalStateException("generator for " + typeUrl + " is broken on purpose");
        }
        return delegate.resources(proxy, typeUrl, subscribed);
    }

    @Override
    public String snapshotVersion() {
        return delegate.snapshotVersion();
    }
}
