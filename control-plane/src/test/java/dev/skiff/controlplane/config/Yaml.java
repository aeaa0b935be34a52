package dev.skiff.controlplane.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test helpers: parse YAML text or a test resource, list error lines. */
final class Yaml {
    private static final ConfigParser PARSER = new ConfigParser();

    private Yaml() {
    }

    static ParsedFile parse(String file, String yaml) {
        return PARSER.parse(file, yaml.getBytes(StandardCharsets.UTF_8));
    }

    static ParsedFile resource(String name) {
        try (InputStream in = Yaml.class.getResourceAsStream("/config/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource config/" + name);
            }
            return PARSER.parse(name, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only document of a file, which must be valid. */
    static ConfigObject single(ParsedFile file) {
        if (!file.readable()) {
            throw new AssertionError(file.yamlError().toString());
        }
        if (file.documents().size() != 1) {
            throw new AssertionError("expected one document, got " + file.documents().size());
        }
        ParsedDocument document = file.documents().getFirst();
        if (!document.valid()) {
            throw new AssertionError(document.errors().toString());
        }
        return document.object();
    }

    /** Every error of a file, formatted. */
    static List<String> errors(ParsedFile file) {
        if (!file.readable()) {
            return List.of(file.yamlError().toString());
        }
        return file.documents().stream().flatMap(d -> d.errors().stream()).map(ConfigError::toString).toList();
    }

    /** The errors of a document made of the given spec lines under a VirtualService header. */
    static List<String> virtualServiceErrors(String spec) {
        return errors(parse("vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                """ + spec.indent(2)));
    }

    static List<String> specErrors(String kind, String spec) {
        return errors(parse("test.yaml", """
                apiVersion: networking.istio.io/v1
                kind: %s
                metadata:
                  name: test
                spec:
                """.formatted(kind) + spec.indent(2)));
    }
}
