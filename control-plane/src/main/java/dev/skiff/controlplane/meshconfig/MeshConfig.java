package dev.skiff.controlplane.meshconfig;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of Istio's MeshConfig that Skiff serves: the tracing extension providers ({@code extensionProviders}
 * with {@code zipkin} or {@code opentelemetry}) and the tracing providers used when a Telemetry names none
 * ({@code defaultProviders.tracing}). Read once, when the control plane starts ({@link MeshConfigFile}).
 *
 * @param defaultTracingProviders the provider names of {@code defaultProviders.tracing}, in order
 * @param extensionProviders      the providers by name, in the file's order
 */
public record MeshConfig(List<String> defaultTracingProviders, Map<String, TracingProvider> extensionProviders) {

    /** No mesh config: the built-in providers only. */
    public static final MeshConfig DEFAULT = new MeshConfig(List.of(), Map.of());

    public MeshConfig {
        defaultTracingProviders = List.copyOf(defaultTracingProviders);
        extensionProviders = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(extensionProviders, "extensionProviders")));
    }

    /** The extension provider of that name, empty for the built-in providers and unknown names. */
    public Optional<TracingProvider> tracingProvider(String name) {
        return Optional.ofNullable(extensionProviders.get(name));
    }
}
