package dev.skiff.controlplane.config;

import com.google.protobuf.Descriptors.Descriptor;
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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The Istio configuration kinds Skiff reads: the {@code networking.istio.io} kinds, and PeerAuthentication,
 * AuthorizationPolicy and RequestAuthentication of {@code security.istio.io}, and Skiff's own LocalRateLimit and Fallback of {@code policy.skiff.dev}.
 */
public enum ConfigKind {
    VIRTUAL_SERVICE("VirtualService", VirtualService.getDefaultInstance()),
    DESTINATION_RULE("DestinationRule", DestinationRule.getDefaultInstance()),
    SERVICE_ENTRY("ServiceEntry", ServiceEntry.getDefaultInstance()),
    WORKLOAD_ENTRY("WorkloadEntry", WorkloadEntry.getDefaultInstance()),
    SIDECAR("Sidecar", Sidecar.getDefaultInstance()),
    PEER_AUTHENTICATION("PeerAuthentication", PeerAuthentication.getDefaultInstance(), "security.istio.io",
            List.of("v1", "v1beta1")),
    AUTHORIZATION_POLICY("AuthorizationPolicy", AuthorizationPolicy.getDefaultInstance(), "security.istio.io",
            List.of("v1", "v1beta1")),
    REQUEST_AUTHENTICATION("RequestAuthentication", RequestAuthentication.getDefaultInstance(), "security.istio.io",
            List.of("v1", "v1beta1")),
    LOCAL_RATE_LIMIT("LocalRateLimit", LocalRateLimit.getDefaultInstance(), "policy.skiff.dev", List.of("v1alpha1")),
    FALLBACK("Fallback", Fallback.getDefaultInstance(), "policy.skiff.dev", List.of("v1alpha1")),
    TELEMETRY("Telemetry", Telemetry.getDefaultInstance(), "telemetry.istio.io", List.of("v1", "v1alpha1"));

    /** The API group of the networking kinds. */
    public static final String GROUP = Networking.GROUP;

    /** The API versions accepted for the networking kinds; they all share one schema. */
    public static final List<String> VERSIONS = Networking.VERSIONS;

    /** The networking kinds' group and versions, readable from the constants' constructors. */
    private static final class Networking {
        static final String GROUP = "networking.istio.io";
        static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
    }

    private final String kindName;
    private final Message defaultInstance;
    private final String group;
    private final List<String> versions;

    ConfigKind(String kindName, Message defaultInstance) {
        this(kindName, defaultInstance, Networking.GROUP, Networking.VERSIONS);
    }

    ConfigKind(String kindName, Message defaultInstance, String group, List<String> versions) {
        this.kindName = kindName;
        this.defaultInstance = defaultInstance;
        this.group = group;
        this.versions = versions;
    }

    /** The Kubernetes {@code kind}, e.g. {@code VirtualService}. */
    public String kindName() {
        return kindName;
    }

    /** The API group, e.g. {@code networking.istio.io}. */
    public String group() {
        return group;
    }

    /** The API versions accepted, sharing one schema. */
    public List<String> versions() {
        return versions;
    }

    /** The empty spec message of this kind, e.g. {@code VirtualService.getDefaultInstance()}. */
    public Message defaultInstance() {
        return defaultInstance;
    }

    public Descriptor descriptor() {
        return defaultInstance.getDescriptorForType();
    }

    public Class<? extends Message> specClass() {
        return defaultInstance.getClass();
    }

    /** The kind whose Kubernetes kind name is exactly {@code kindName}. */
    public static Optional<ConfigKind> fromKindName(String kindName) {
        for (ConfigKind kind : values()) {
            if (kind.kindName.equals(kindName)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** {@code VirtualService, DestinationRule, ...}, for error messages. */
    public static String kindNames() {
        return Arrays.stream(values()).map(ConfigKind::kindName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return kindName;
    }
}
