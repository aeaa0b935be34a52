package dev.skiff.controlplane.config;

import dev.skiff.controlplane.meshconfig.MeshConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a set of files and folders once, with no memory of earlier reads: the objects that are valid and every
 * problem found. A key declared twice is an error on the later declaration; the first one read wins.
 */
public final class ConfigLoader {
    /**
     * @param objects the valid objects, in file order
     * @param errors  every problem, in file order
     */
    public record Result(List<ConfigObject> objects, List<ConfigError> errors) {
        public Result {
            objects = List.copyOf(objects);
            errors = List.copyOf(errors);
        }
    }

    private final ConfigParser parser;

    /** A loader for a mesh without a mesh config. */
    public ConfigLoader() {
        this(MeshConfig.DEFAULT);
    }

    /** @param meshConfig the mesh config the objects are validated against (the tracing providers they name) */
    public ConfigLoader(MeshConfig meshConfig) {
        this.parser = new ConfigParser(meshConfig);
    }

    /** Reads each path: a file as it is, a folder through {@link ConfigFiles#yamlFiles}. */
    public Result load(List<Path> paths) {
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        Map<ConfigKey, String> declaredIn = new HashMap<>();
        for (Path path : paths) {
            List<Path> files;
            if (Files.isDirectory(path)) {
                try {
                    files = ConfigFiles.yamlFiles(path);
                } catch (IOException e) {
                    errors.add(new ConfigError(path.toString(), null, "", "cannot list the folder: " + e));
                    continue;
                }
            } else {
                files = List.of(path);
            }
            for (Path file : files) {
                String name = file.toString();
                byte[] content;
                try {
                    content = Files.readAllBytes(file);
                } catch (IOException e) {
                    errors.add(new ConfigError(name, null, "", "cannot read the file: " + e));
                    continue;
                }
                ParsedFile parsed = parser.parse(name, content);
                if (!parsed.readable()) {
                    errors.add(parsed.yamlError());
                    continue;
                }
                for (ParsedDocument document : parsed.documents()) {
                    if (document.key() != null) {
                        String first = declaredIn.putIfAbsent(document.key(), name);
                        if (first != null) {
                            errors.add(duplicate(name, document.key(), first));
                            continue;
                        }
                    }
                    if (document.valid()) {
                        objects.add(document.object());
                    } else {
                        errors.addAll(document.errors());
                    }
                }
            }
        }
        return new Result(objects, errors);
    }

    static ConfigError duplicate(String file, ConfigKey key, String firstFile) {
        String where = firstFile.equals(file) ? "earlier in this file" : "in " + firstFile;
        return new ConfigError(file, key, "", "declared twice: also " + where
                + ", which is read first and used (expected: one declaration per kind, namespace and name)");
    }
}
