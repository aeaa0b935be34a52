package dev.skiff.controlplane.config;

import dev.skiff.api.policy.v1alpha1.Fallback;
import dev.skiff.api.policy.v1alpha1.FallbackResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks of a Fallback: a fully qualified host, unique non-empty route names, at least one of the response flags
 * Skiff answers with a fallback (UO, UH, URX), each once, and a response with a status of 200..599 and valid header
 * names (content-length and transfer-encoding are the sidecar's to set).
 */
final class FallbackValidator {
    /** The response flags a fallback can answer, in the order the docs list them. */
    static final List<String> FLAGS = List.of("UO", "UH", "URX");
    private static final Set<String> FRAMING_HEADERS = Set.of("content-length", "transfer-encoding");

    private FallbackValidator() {
    }

    static void validate(Fallback spec, FieldProblems problems) {
        if (spec.getHost().isEmpty()) {
            problems.add("spec.host", "required (expected: the fully qualified host of a service)");
        } else if (!Checks.isHostName(spec.getHost())) {
            problems.add("spec.host", "\"" + spec.getHost() + "\" is not a host name (expected: the fully qualified"
                    + " host of a service, without wildcards)");
        }
        Set<String> routes = new HashSet<>();
        for (int i = 0; i < spec.getRoutesCount(); i++) {
            String route = spec.getRoutes(i);
            if (route.isEmpty()) {
                problems.add("spec.routes[" + i + "]", "empty (expected: the name of an http route of the host's"
                        + " VirtualService)");
            } else if (!routes.add(route)) {
                problems.add("spec.routes[" + i + "]", "\"" + route + "\" is listed already (expected: unique"
                        + " route names)");
            }
        }
        if (spec.getResponseFlagsCount() == 0) {
            problems.add("spec.responseFlags", "empty (expected: at least one of " + FLAGS + ")");
        }
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < spec.getResponseFlagsCount(); i++) {
            String flag = spec.getResponseFlags(i);
            if (!FLAGS.contains(flag)) {
                problems.add("spec.responseFlags[" + i + "]", "\"" + flag + "\" (expected: one of " + FLAGS + ")");
            } else if (!flags.add(flag)) {
                problems.add("spec.responseFlags[" + i + "]", "\"" + flag + "\" is listed already (expected: each"
                        + " flag once)");
            }
        }
        if (!spec.hasResponse()) {
            problems.add("spec.response", "required (expected: status, and optionally headers and body)");
        } else {
            response(problems, spec.getResponse());
        }
    }

    private static void response(FieldProblems problems, FallbackResponse response) {
        if (response.getStatus() < 200 || response.getStatus() > 599) {
            problems.add("spec.response.status", Integer.toUnsignedString(response.getStatus())
                    + " (expected: 200..599)");
        }
        for (Map.Entry<String, String> header : new TreeMap<>(response.getHeadersMap()).entrySet()) {
            String path = "spec.response.headers[" + header.getKey() + "]";
            if (!Checks.isHeaderName(header.getKey())) {
                problems.add(path, "not a valid header name (expected: an HTTP token)");
            } else if (FRAMING_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                problems.add(path, "set by the sidecar (expected: other headers; the body's length is computed)");
            }
        }
    }
}
