package dev.skiff.controlplane.telemetry;

import dev.skiff.controlplane.xds.TypeUrls;

/** The xDS resource types the control plane serves, as Istio's metrics label them ({@code type="cds"}, ...). */
public enum XdsType {
    CDS("cds", TypeUrls.CLUSTER),
    EDS("eds", TypeUrls.ENDPOINT),
    LDS("lds", TypeUrls.LISTENER),
    RDS("rds", TypeUrls.ROUTE);

    static final XdsType[] ALL = values();

    private final String label;
    private final String typeUrl;

    XdsType(String label, String typeUrl) {
        this.label = label;
        this.typeUrl = typeUrl;
    }

    /** The value of the {@code type} label, e.g. {@code cds}. */
    public String label() {
        return label;
    }

    public String typeUrl() {
        return typeUrl;
    }

    /** The type of an Envoy v3 type URL, or {@code null} if the control plane does not serve it. */
    public static XdsType ofTypeUrl(String typeUrl) {
        return switch (typeUrl) {
            case TypeUrls.CLUSTER -> CDS;
            case TypeUrls.ENDPOINT -> EDS;
            case TypeUrls.LISTENER -> LDS;
            case TypeUrls.ROUTE -> RDS;
            default -> null;
        };
    }
}
