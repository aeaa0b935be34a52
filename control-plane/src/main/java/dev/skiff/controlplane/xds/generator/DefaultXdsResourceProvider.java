package dev.skiff.controlplane.xds.generator;

import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.XdsResourceProvider;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves the resources generated from the current {@link MeshSnapshot}. {@link #update} builds the next snapshot
 * and swaps it in atomically; {@link #resources} may be called from any number of threads and never blocks on an
 * update. Resources are generated lazily, once per snapshot, and shared by every proxy that receives identical
 * bytes.
 */
public final class DefaultXdsResourceProvider implements XdsResourceProvider {
    private final Object updateLock = new Object();
    private final AtomicReference<GeneratedResources> current;

    /** A provider for the trust domain {@value TransportSocketGenerator#DEFAULT_TRUST_DOMAIN}. */
    public DefaultXdsResourceProvider() {
        this(TransportSocketGenerator.DEFAULT_TRUST_DOMAIN);
    }

    /** @param trustDomain the trust domain of the SPIFFE identities that generated mutual TLS verifies */
    public DefaultXdsResourceProvider(String trustDomain) {
        this(trustDomain, MeshConfig.DEFAULT);
    }

    /**
     * @param trustDomain the trust domain of the SPIFFE identities that generated mutual TLS verifies
     * @param meshConfig  the mesh config whose tracing providers the generated connection managers may name
     */
    public DefaultXdsResourceProvider(String trustDomain, MeshConfig meshConfig) {
        this.current = new AtomicReference<>(new GeneratedResources(MeshSnapshot.empty(), trustDomain, meshConfig));
    }

    /**
     * Builds the mesh snapshot for {@code config} from the current one and serves it from now on.
     *
     * @return the new snapshot
     */
    public MeshSnapshot update(ConfigSnapshot config) {
        synchronized (updateLock) {
            GeneratedResources previous = current.get();
            MeshSnapshot next = MeshSnapshot.next(previous.mesh(), config);
            current.set(new GeneratedResources(next, previous));
            return next;
        }
    }

    /** The snapshot currently served. */
    public MeshSnapshot mesh() {
        return current.get().mesh();
    }

    @Override
    public Collection<XdsResource> resources(ProxyView proxy, String typeUrl, Set<String> subscribed) {
        return current.get().resources(proxy, typeUrl, subscribed);
    }

    /** The version of the mesh snapshot being served. */
    @Override
    public String snapshotVersion() {
        return Long.toString(current.get().mesh().version());
    }
}
