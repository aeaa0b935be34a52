package dev.skiff.controlplane.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Finds configuration files: {@code *.yaml} and {@code *.yml}, recursively, in sorted order. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * Every YAML file under {@code directory}, sorted by path. Names starting with a dot are skipped, files and
     * folders alike, which leaves out editor backups and the {@code ..data} links of a mounted Kubernetes
     * ConfigMap (whose files are still found through their visible links).
     */
    public static List<Path> yamlFiles(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(path -> !path.equals(directory))
                    .filter(path -> !hiddenBelow(directory, path))
                    .filter(ConfigFiles::isYamlName)
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
    }

    static boolean isYamlName(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    private static boolean hiddenBelow(Path directory, Path path) {
        for (Path part : directory.relativize(path)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
