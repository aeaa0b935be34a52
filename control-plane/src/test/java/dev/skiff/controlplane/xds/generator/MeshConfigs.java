package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.config.ConfigParser;
import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.config.ParsedDocument;
import dev.skiff.controlplane.config.ParsedFile;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test configuration read with the ingestion parser, as the control plane reads it. */
final class MeshConfigs {
    private MeshConfigs() {
    }

    /** Parses YAML text; every document must be valid. */
    static ConfigSnapshot parse(String name, String yaml) {
        return parse(name, yaml, MeshConfig.DEFAULT);
    }

    /** Parses YAML text validated against a mesh config; every document must be valid. */
    static ConfigSnapshot parse(String name, String yaml, MeshConfig meshConfig) {
        ParsedFile file = new ConfigParser(meshConfig).parse(name, yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(file.readable()).as("%s is YAML: %s", name, file.yamlError()).isTrue();
        List<ConfigObject> objects = new ArrayList<>();
        for (ParsedDocument document : file.documents()) {
            assertThat(document.errors()).as("%s document %d", name, document.index()).isEmpty();
            objects.add(document.object());
        }
        return new ConfigSnapshot(1, objects);
    }

    /** Parses a golden input file, e.g. {@code bookinfo/config.yaml}. */
    static ConfigSnapshot golden(String path) {
        return parse(path, GoldenFiles.read(path));
    }
}
