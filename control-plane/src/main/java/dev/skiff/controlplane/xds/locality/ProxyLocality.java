package dev.skiff.controlplane.xds.locality;

import dev.skiff.controlplane.model.Locality;
import dev.skiff.controlplane.model.Workload;
import dev.skiff.controlplane.xds.generator.ProxyContext;

/**
 * Where a proxy runs, as Istio knows it: its WorkloadEntry's {@code locality}, else its {@code istio-locality}
 * label ({@code region.zone.subzone}, dots because label values cannot hold slashes), else nowhere.
 */
public final class ProxyLocality {
    /** The label a workload without a WorkloadEntry locality names its locality with. */
    public static final String LABEL = "istio-locality";

    private ProxyLocality() {
    }

    /** The proxy's locality, {@link Locality#NONE} when it has none or its label is not a locality. */
    public static Locality of(ProxyContext proxy) {
        Locality fromWorkload = proxy.workload().map(Workload::locality).orElse(Locality.NONE);
        if (!fromWorkload.equals(Locality.NONE)) {
            return fromWorkload;
        }
        String label = proxy.labels().getOrDefault(LABEL, "");
        String[] parts = label.split("\\.", -1);
        if (label.isEmpty() || parts.length > 3) {
            return Locality.NONE;
        }
        return Locality.parse(String.join("/", parts));
    }
}
