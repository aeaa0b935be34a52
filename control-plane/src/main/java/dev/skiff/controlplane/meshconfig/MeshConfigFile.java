package dev.skiff.controlplane.meshconfig;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.skiff.controlplane.config.GoDuration;
import dev.skiff.controlplane.telemetryapi.TelemetryProviders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads Istio's MeshConfig YAML (what the {@code istio} ConfigMap holds under its {@code mesh} key) strictly:
 * the fields Skiff serves are read, every other field is refused with its path and what was expected, so that a
 * setting never silently does nothing. Problems read {@code <file>: <field.path>: <what is wrong>}.
 */
public final class MeshConfigFile {
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final String TOP_LEVEL = "defaultProviders, extensionProviders";
    private static final Set<String> PROVIDER_KINDS = Set.of("zipkin", "opentelemetry");

    private final String file;
    private final List<String> problems = new ArrayList<>();

    private MeshConfigFile(String file) {
        this.file = file;
    }

    /** Reads and checks the mesh config in {@code path}. */
    public static MeshConfig load(Path path) throws MeshConfigException {
        byte[] content;
        try {
            content = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new MeshConfigException(List.of(path + ": cannot read the mesh config: " + e.getMessage()));
        }
        return parse(path.toString(), content);
    }

    /** Reads and checks a mesh config; {@code file} names it in problems. */
    public static MeshConfig parse(String file, byte[] content) throws MeshConfigException {
        JsonNode root;
        try {
            root = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build()
                    .readTree(content);
        } catch (JsonProcessingException e) {
            throw new MeshConfigException(List.of(file + ": not valid YAML: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new MeshConfigException(List.of(file + ": cannot read the mesh config: " + e.getMessage()));
        }
        MeshConfigFile reader = new MeshConfigFile(file);
        MeshConfig config = reader.read(root);
        if (!reader.problems.isEmpty()) {
            throw new MeshConfigException(reader.problems);
        }
        return config;
    }

    private void problem(String path, String message) {
        problems.add(file + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    private MeshConfig read(JsonNode root) {
        if (root == null || root.isNull() || root.isMissingNode()) {
            return MeshConfig.DEFAULT;
        }
        if (!root.isObject()) {
            problem("", "expected an object with " + TOP_LEVEL + ", got " + describe(root));
            return MeshConfig.DEFAULT;
        }
        Map<String, TracingProvider> providers = new LinkedHashMap<>();
        List<String> defaults = List.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            switch (field.getKey()) {
                case "extensionProviders" -> providers = extensionProviders(field.getValue());
                case "defaultProviders" -> defaults = defaultProviders(field.getValue());
                default -> problem(field.getKey(), "not served by Skiff (expected only: " + TOP_LEVEL + ")");
            }
        }
        for (int i = 0; i < defaults.size(); i++) {
            String name = defaults.get(i);
            if (!providers.containsKey(name) && !name.equals(TelemetryProviders.TRACING)) {
                problem("defaultProviders.tracing[" + i + "]", "\"" + name + "\" is not a provider (expected: the"
                        + " name of a zipkin or opentelemetry entry of extensionProviders, or "
                        + TelemetryProviders.TRACING + ")");
            }
        }
        return new MeshConfig(defaults, providers);
    }

    private List<String> defaultProviders(JsonNode node) {
        if (!object(node, "defaultProviders")) {
            return List.of();
        }
        List<String> tracing = List.of();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String path = "defaultProviders." + field.getKey();
            switch (field.getKey()) {
                case "tracing" -> tracing = strings(field.getValue(), path);
                case "metrics" -> {
                    List<String> metrics = strings(field.getValue(), path);
                    if (!metrics.equals(List.of("prometheus"))) {
                        problem(path, metrics + " is not served (expected: [prometheus], the sidecar's built-in"
                                + " metrics)");
                    }
                }
                default -> problem(path, "not served by Skiff (expected only: tracing, metrics)");
            }
        }
        return tracing;
    }

    private Map<String, TracingProvider> extensionProviders(JsonNode node) {
        Map<String, TracingProvider> providers = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        if (!node.isArray()) {
            problem("extensionProviders", "expected a list, got " + describe(node));
            return providers;
        }
        for (int i = 0; i < node.size(); i++) {
            String path = "extensionProviders[" + i + "]";
            JsonNode entry = node.get(i);
            if (!object(entry, path)) {
                continue;
            }
            String name = null;
            TracingProvider provider = null;
            int kinds = 0;
            for (Map.Entry<String, JsonNode> field : entry.properties()) {
                String at = path + "." + field.getKey();
                switch (field.getKey()) {
                    case "name" -> name = string(field.getValue(), at);
                    case "zipkin", "opentelemetry" -> kinds++;
                    default -> problem(at, "not served by Skiff (expected: name, and one of "
                            + String.join(", ", PROVIDER_KINDS.stream().sorted().toList())
                            + "; other providers have no Skiff implementation)");
                }
            }
            if (name == null || name.isEmpty()) {
                problem(path + ".name", "required (expected: the name Telemetry resources use)");
                continue;
            }
            if (!names.add(name)) {
                problem(path + ".name", "\"" + name + "\" is already the name of an earlier provider (expected:"
                        + " unique names)");
                continue;
            }
            if (kinds != 1) {
                problem(path, kinds == 0 ? "no provider (expected: zipkin or opentelemetry)"
                        : "more than one provider (expected: one of zipkin, opentelemetry)");
                continue;
            }
            if (entry.has("zipkin")) {
                provider = zipkin(name, entry.get("zipkin"), path + ".zipkin");
            } else {
                provider = openTelemetry(name, entry.get("opentelemetry"), path + ".opentelemetry");
            }
            if (provider != null) {
                providers.put(name, provider);
            }
        }
        return providers;
    }

    /** The {@code service}, {@code port} and {@code maxTagLength} every tracing provider has. */
    private record Collector(String service, int port, int maxTagLength) {
    }

    private Collector collector(JsonNode node, String path, Map<String, Function<JsonNode, Object>> extra,
                                Map<String, Object> values) {
        String service = null;
        int port = 0;
        int maxTagLength = 0;
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String at = path + "." + field.getKey();
            switch (field.getKey()) {
                case "service" -> service = string(field.getValue(), at);
                case "port" -> port = integer(field.getValue(), at, 1, 65535);
                case "maxTagLength" -> maxTagLength = integer(field.getValue(), at, 0, Integer.MAX_VALUE);
                default -> {
                    Function<JsonNode, Object> reader = extra.get(field.getKey());
                    if (reader == null) {
                        problem(at, "not served by Skiff (expected only: service, port, maxTagLength"
                                + (extra.isEmpty() ? "" : ", " + String.join(", ", extra.keySet())) + ")");
                    } else {
                        values.put(field.getKey(), reader.apply(field.getValue()));
                    }
                }
            }
        }
        if (service == null || service.isEmpty()) {
            problem(path + ".service", "required (expected: the collector's service host, or <namespace>/<host>)");
        } else if (!validService(service)) {
            problem(path + ".service", "\"" + service + "\" (expected: a host name, or <namespace>/<host>)");
        }
        if (port == 0 && !node.has("port")) {
            problem(path + ".port", "required (expected: the collector's service port, 1..65535)");
        }
        return new Collector(service, port, maxTagLength);
    }

    private static boolean validService(String service) {
        int slash = service.indexOf('/');
        String host = slash < 0 ? service : service.substring(slash + 1);
        return (slash < 0 || slash > 0 && service.indexOf('/', slash + 1) < 0) && !host.isEmpty()
                && host.matches("[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?");
    }

    private TracingProvider zipkin(String name, JsonNode node, String path) {
        if (!object(node, path)) {
            return null;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        int before = problems.size();
        Collector collector = collector(node, path, Map.of(
                "path", value -> string(value, path + ".path"),
                "enable64bitTraceId", value -> bool(value, path + ".enable64bitTraceId")), values);
        String zipkinPath = values.get("path") instanceof String given ? given : "";
        if (!zipkinPath.isEmpty() && !zipkinPath.startsWith("/")) {
            problem(path + ".path", "\"" + zipkinPath + "\" (expected: a path starting with /)");
        }
        if (Boolean.TRUE.equals(values.get("enable64bitTraceId"))) {
            problem(path + ".enable64bitTraceId", "true is not served (expected: false or unset; the sidecar"
                    + " always makes 128-bit trace ids)");
        }
        if (problems.size() != before) {
            return null;
        }
        return new TracingProvider.Zipkin(name, collector.service(), collector.port(), collector.maxTagLength(),
                zipkinPath.isEmpty() ? TracingProvider.Zipkin.DEFAULT_PATH : zipkinPath);
    }

    private TracingProvider openTelemetry(String name, JsonNode node, String path) {
        if (!object(node, path)) {
            return null;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        int before = problems.size();
        Collector collector = collector(node, path, Map.of("http", value -> http(value, path + ".http")), values);
        if (problems.size() != before) {
            return null;
        }
        return new TracingProvider.OpenTelemetry(name, collector.service(), collector.port(),
                collector.maxTagLength(), (TracingProvider.Http) values.get("http"));
    }

    private TracingProvider.Http http(JsonNode node, String path) {
        if (!object(node, path)) {
            return null;
        }
        String httpPath = null;
        Duration timeout = null;
        List<TracingProvider.Header> headers = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String at = path + "." + field.getKey();
            switch (field.getKey()) {
                case "path" -> httpPath = string(field.getValue(), at);
                case "timeout" -> timeout = duration(field.getValue(), at);
                case "headers" -> headers = headers(field.getValue(), at);
                default -> problem(at, "unknown field (expected: path, timeout, headers)");
            }
        }
        if (httpPath == null || httpPath.isEmpty()) {
            problem(path + ".path", "required (expected: the OTLP/HTTP traces path, such as /v1/traces)");
            return null;
        }
        if (!httpPath.startsWith("/")) {
            httpPath = "/" + httpPath;
        }
        return new TracingProvider.Http(httpPath, timeout, headers);
    }

    private List<TracingProvider.Header> headers(JsonNode node, String path) {
        List<TracingProvider.Header> headers = new ArrayList<>();
        if (!node.isArray()) {
            problem(path, "expected a list, got " + describe(node));
            return headers;
        }
        for (int i = 0; i < node.size(); i++) {
            String at = path + "[" + i + "]";
            JsonNode entry = node.get(i);
            if (!object(entry, at)) {
                continue;
            }
            String name = null;
            String value = null;
            int sources = 0;
            for (Map.Entry<String, JsonNode> field : entry.properties()) {
                String fieldPath = at + "." + field.getKey();
                switch (field.getKey()) {
                    case "name" -> name = string(field.getValue(), fieldPath);
                    case "value" -> {
                        value = string(field.getValue(), fieldPath);
                        sources++;
                    }
                    case "envName" -> {
                        String variable = string(field.getValue(), fieldPath);
                        value = variable == null ? null : System.getenv().getOrDefault(variable, "");
                        sources++;
                    }
                    default -> problem(fieldPath, "unknown field (expected: name, and value or envName)");
                }
            }
            if (name == null || !HEADER_NAME.matcher(name).matches()) {
                problem(at + ".name", (name == null ? "required" : "\"" + name + "\" is not a header name")
                        + " (expected: an HTTP token)");
            } else if (sources != 1) {
                problem(at, "expected exactly one of value, envName");
            } else if (value != null) {
                headers.add(new TracingProvider.Header(name, value));
            }
        }
        return headers;
    }

    private boolean object(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            problem(path, "expected an object, got " + describe(node));
            return false;
        }
        return true;
    }

    private String string(JsonNode node, String path) {
        if (!node.isTextual()) {
            problem(path, "expected a string, got " + describe(node));
            return null;
        }
        return node.textValue();
    }

    private List<String> strings(JsonNode node, String path) {
        List<String> values = new ArrayList<>();
        if (!node.isArray()) {
            problem(path, "expected a list of names, got " + describe(node));
            return values;
        }
        for (int i = 0; i < node.size(); i++) {
            String value = string(node.get(i), path + "[" + i + "]");
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    private int integer(JsonNode node, String path, int min, int max) {
        if (!node.canConvertToLong() || !node.isIntegralNumber() || node.longValue() < min
                || node.longValue() > max) {
            problem(path, describe(node) + " (expected: an integer from " + min + " to " + max + ")");
            return 0;
        }
        return node.intValue();
    }

    private Boolean bool(JsonNode node, String path) {
        if (!node.isBoolean()) {
            problem(path, "expected true or false, got " + describe(node));
            return null;
        }
        return node.booleanValue();
    }

    private Duration duration(JsonNode node, String path) {
        String text = string(node, path);
        if (text == null) {
            return null;
        }
        try {
            Duration duration = GoDuration.parse(text);
            if (duration.isNegative() || duration.isZero()) {
                problem(path, text + " (expected: > 0)");
                return null;
            }
            return duration;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return node.isContainerNode() ? (node.isObject() ? "an object" : "a list") : node.toString();
    }
}
