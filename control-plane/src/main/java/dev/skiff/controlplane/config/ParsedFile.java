package dev.skiff.controlplane.config;

import java.util.List;

/**
 * One configuration file after parsing.
 *
 * @param file       the file as it was named to the parser
 * @param yamlError  set when the file is not well-formed YAML; then {@code documents} is empty
 * @param documents  the documents, empty ones left out, in file order
 */
public record ParsedFile(String file, ConfigError yamlError, List<ParsedDocument> documents) {
    public ParsedFile {
        documents = List.copyOf(documents);
    }

    public boolean readable() {
        return yamlError == null;
    }
}
