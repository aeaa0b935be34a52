package dev.skiff.controlplane.telemetry;

/** Why a push to the connected proxies started: the {@code type} label of {@code pilot_push_triggers}. */
public enum PushTrigger {
    /** Istio configuration (VirtualService, DestinationRule, ...) changed. */
    CONFIG("config"),
    /** Only endpoints (WorkloadEntry addresses) changed. */
    ENDPOINT("endpoint"),
    /** Certificates or keys served to proxies changed. */
    SECRET("secret");

    private final String label;

    PushTrigger(String label) {
        this.label = label;
    }

    /** The value of the {@code type} label, as Istio names the trigger reason. */
    public String label() {
        return label;
    }
}
