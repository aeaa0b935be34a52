package dev.skiff.controlplane.config;

import com.google.protobuf.Message;
import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.ServiceEntry;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.VirtualService;
import dev.skiff.api.networking.v1alpha3.WorkloadEntry;
import dev.skiff.api.policy.v1alpha1.Fallback;
import dev.skiff.api.policy.v1alpha1.LocalRateLimit;
import dev.skiff.api.security.v1beta1.AuthorizationPolicy;
import dev.skiff.api.security.v1beta1.PeerAuthentication;
import dev.skiff.api.security.v1beta1.RequestAuthentication;
import dev.skiff.api.telemetry.v1alpha1.Telemetry;
import dev.skiff.controlplane.meshconfig.MeshConfig;

/** Semantic checks of a parsed spec, the ones Istio's validation webhook makes; paths use the JSON field names. */
final class SpecValidator {
    private SpecValidator() {
    }

    /** @param meshConfig the mesh config, which names the tracing providers a Telemetry may use */
    static void validate(ConfigKind kind, Message spec, MeshConfig meshConfig, FieldProblems problems) {
        switch (kind) {
            case VIRTUAL_SERVICE -> VirtualServiceValidator.validate((VirtualService) spec, problems);
            case DESTINATION_RULE -> DestinationRuleValidator.validate((DestinationRule) spec, problems);
            case SERVICE_ENTRY -> ServiceEntryValidator.validate((ServiceEntry) spec, problems);
            case WORKLOAD_ENTRY -> ServiceEntryValidator.workloadEntry(problems, "spec", (WorkloadEntry) spec);
            case SIDECAR -> SidecarValidator.validate((Sidecar) spec, problems);
            case PEER_AUTHENTICATION -> PeerAuthenticationValidator.validate((PeerAuthentication) spec, problems);
            case AUTHORIZATION_POLICY ->
                    AuthorizationPolicyValidator.validate((AuthorizationPolicy) spec, problems);
            case REQUEST_AUTHENTICATION ->
                    RequestAuthenticationValidator.validate((RequestAuthentication) spec, problems);
            case LOCAL_RATE_LIMIT -> LocalRateLimitValidator.validate((LocalRateLimit) spec, problems);
            case FALLBACK -> FallbackValidator.validate((Fallback) spec, problems);
            case TELEMETRY -> TelemetryValidator.validate((Telemetry) spec, meshConfig, problems);
        }
    }
}
