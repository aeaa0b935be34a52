package dev.skiff.controlplane.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Message;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the Kubernetes-shaped YAML documents of one file ({@code apiVersion}, {@code kind}, {@code metadata},
 * {@code spec}) strictly into {@link ConfigObject}s, reporting every problem with its field path. Thread-safe.
 */
public final class ConfigParser {
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    /** Metadata fields the API server fills in: accepted and ignored, so that exported objects read back. */
    private static final Set<String> IGNORED_METADATA = Set.of("uid", "resourceVersion", "generation",
            "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields",
            "ownerReferences", "finalizers", "generateName", "selfLink");
    private static final String DEFAULT_NAMESPACE = "default";

    private final ObjectReader reader;
    private final MeshConfig meshConfig;

    /** A parser for a mesh without a mesh config (the built-in telemetry providers only). */
    public ConfigParser() {
        this(MeshConfig.DEFAULT);
    }

    /** @param meshConfig the mesh config; a Telemetry may name its tracing providers */
    public ConfigParser(MeshConfig meshConfig) {
        this.meshConfig = meshConfig;
        YAMLMapper mapper = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
        this.reader = mapper.readerFor(JsonNode.class);
    }

    /** Parses every document of {@code content}; {@code file} is used in error messages and as the source. */
    public ParsedFile parse(String file, byte[] content) {
        List<JsonNode> nodes = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = reader.readValues(content)) {
            while (documents.hasNextValue()) {
                nodes.add(documents.nextValue());
            }
        } catch (JsonProcessingException e) {
            return new ParsedFile(file, new ConfigError(file, null, "", yamlProblem(e)), List.of());
        } catch (IOException | RuntimeException e) {
            return new ParsedFile(file, new ConfigError(file, null, "", "not valid YAML: " + e.getMessage()),
                    List.of());
        }
        List<ParsedDocument> parsed = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            if (node == null || node.isNull() || node.isMissingNode()) {
                continue;
            }
            parsed.add(parseDocument(file, i + 1, node));
        }
        return new ParsedFile(file, null, parsed);
    }

    private static String yamlProblem(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        String where = location == null || location.getLineNr() < 1 ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        List<String> parts = new ArrayList<>();
        for (String line : e.getOriginalMessage().split("\n")) {
            String trimmed = line.strip();
            boolean echo = line.startsWith("    ") || trimmed.startsWith("in 'reader'") || trimmed.equals("^");
            if (!trimmed.isEmpty() && !echo) {
                parts.add(trimmed);
            }
        }
        return "not valid YAML" + where + ": " + String.join(": ", parts);
    }

    private ParsedDocument parseDocument(String file, int index, JsonNode node) {
        FieldProblems problems = new FieldProblems();
        if (!node.isObject()) {
            problems.add("", "expected an object with apiVersion, kind, metadata and spec, got "
                    + SpecReader.describe(node));
            return failed(file, index, null, problems);
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!TOP_LEVEL.contains(entry.getKey())) {
                problems.add(entry.getKey(), "unknown field (expected: apiVersion, kind, metadata, spec)");
            }
        }
        ConfigKind kind = kind(node.get("kind"), problems);
        String apiVersion = apiVersion(node.get("apiVersion"), kind, problems);
        JsonNode metadata = node.get("metadata");
        String name = null;
        String namespace = DEFAULT_NAMESPACE;
        Map<String, String> labels = Map.of();
        Map<String, String> annotations = Map.of();
        if (metadata == null || metadata.isNull()) {
            problems.add("metadata", "required (expected an object with at least a name)");
        } else if (!metadata.isObject()) {
            problems.add("metadata", "expected an object, got " + SpecReader.describe(metadata));
        } else {
            for (Map.Entry<String, JsonNode> entry : metadata.properties()) {
                String field = entry.getKey();
                if (!field.equals("name") && !field.equals("namespace") && !field.equals("labels")
                        && !field.equals("annotations") && !IGNORED_METADATA.contains(field)) {
                    problems.add("metadata." + field, "unknown field (expected: name, namespace, labels, "
                            + "annotations)");
                }
            }
            name = objectName(metadata.get("name"), problems);
            namespace = namespace(metadata.get("namespace"), problems);
            labels = stringMap(metadata.get("labels"), "metadata.labels", problems);
            Checks.labels(problems, "metadata.labels", labels);
            annotations = stringMap(metadata.get("annotations"), "metadata.annotations", problems);
            for (String key : annotations.keySet()) {
                Checks.qualifiedName(problems, "metadata.annotations[" + key + "]", key, "annotation key");
            }
        }
        ConfigKey key = kind != null && name != null && namespace != null
                ? new ConfigKey(kind, namespace, name) : null;
        if (kind == null) {
            return failed(file, index, key, problems);
        }
        JsonNode specNode = node.get("spec");
        Message spec = kind.defaultInstance();
        if (specNode != null && !specNode.isNull()) {
            int before = problems.size();
            spec = new SpecReader(problems).read(specNode, kind.defaultInstance(), "spec");
            if (problems.size() != before) {
                return failed(file, index, key, problems);
            }
        }
        SpecValidator.validate(kind, spec, meshConfig, problems);
        if (!problems.isEmpty() || key == null) {
            return failed(file, index, key, problems);
        }
        ConfigObject object = new ConfigObject(key, apiVersion, labels, annotations, spec, file, 1);
        return new ParsedDocument(index, key, object, List.of());
    }

    private static ParsedDocument failed(String file, int index, ConfigKey key, FieldProblems problems) {
        List<ConfigError> errors = new ArrayList<>();
        for (FieldProblems.Problem problem : problems.list()) {
            String message = key == null ? problem.message() + " (in document " + index + ")" : problem.message();
            errors.add(new ConfigError(file, key, problem.path(), message));
        }
        return new ParsedDocument(index, key, null, errors);
    }

    private static ConfigKind kind(JsonNode node, FieldProblems problems) {
        if (node == null || node.isNull()) {
            problems.add("kind", "required (expected one of: " + ConfigKind.kindNames() + ")");
            return null;
        }
        if (!node.isTextual()) {
            problems.add("kind", "expected a string, got " + SpecReader.describe(node));
            return null;
        }
        return ConfigKind.fromKindName(node.textValue()).orElseGet(() -> {
            problems.add("kind", "unsupported kind " + SpecReader.describe(node) + " (expected one of: "
                    + ConfigKind.kindNames() + ")");
            return null;
        });
    }

    private static String apiVersion(JsonNode node, ConfigKind kind, FieldProblems problems) {
        String expectedGroup = kind == null ? ConfigKind.GROUP : kind.group();
        List<String> expectedVersions = kind == null ? ConfigKind.VERSIONS : kind.versions();
        String expected = "expected " + expectedGroup + "/ and one of " + String.join(", ", expectedVersions);
        if (node == null || node.isNull()) {
            problems.add("apiVersion", "required (" + expected + ")");
            return "";
        }
        if (!node.isTextual()) {
            problems.add("apiVersion", "expected a string, got " + SpecReader.describe(node));
            return "";
        }
        String apiVersion = node.textValue();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        if (!group.equals(expectedGroup)) {
            problems.add("apiVersion", "\"" + apiVersion + "\" is not in API group " + expectedGroup + " ("
                    + expected + ")");
        } else if (!expectedVersions.contains(version)) {
            problems.add("apiVersion", "\"" + apiVersion + "\": version \"" + version + "\" is not supported ("
                    + expected + ")");
        }
        return apiVersion;
    }

    private static String objectName(JsonNode node, FieldProblems problems) {
        if (node == null || node.isNull()) {
            problems.add("metadata.name", "required");
            return null;
        }
        if (!node.isTextual()) {
            problems.add("metadata.name", "expected a string, got " + SpecReader.describe(node));
            return null;
        }
        String name = node.textValue();
        if (!Checks.isDns1123Subdomain(name)) {
            problems.add("metadata.name", "\"" + name + "\" is not a valid name (expected: a DNS-1123 subdomain: "
                    + "lower case letters, digits, '-' and '.', starting and ending with a letter or digit)");
            return null;
        }
        return name;
    }

    private static String namespace(JsonNode node, FieldProblems problems) {
        if (node == null || node.isNull()) {
            return DEFAULT_NAMESPACE;
        }
        if (!node.isTextual()) {
            problems.add("metadata.namespace", "expected a string, got " + SpecReader.describe(node));
            return null;
        }
        String namespace = node.textValue();
        if (!Checks.isDns1123Label(namespace)) {
            problems.add("metadata.namespace", "\"" + namespace + "\" is not a valid namespace (expected: a "
                    + "DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a "
                    + "letter or digit)");
            return null;
        }
        return namespace;
    }

    private static Map<String, String> stringMap(JsonNode node, String path, FieldProblems problems) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            problems.add(path, "expected a map of strings, got " + SpecReader.describe(node));
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (entry.getValue().isTextual()) {
                values.put(entry.getKey(), entry.getValue().textValue());
            } else {
                problems.add(path + "[" + entry.getKey() + "]", "expected a string, got "
                        + SpecReader.describe(entry.getValue()) + " (quote it in YAML)");
            }
        }
        return values;
    }
}
