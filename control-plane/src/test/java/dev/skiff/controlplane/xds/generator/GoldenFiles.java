package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden}. With {@code -Dgolden.update=true} a comparison rewrites the
 * file with the actual content instead of comparing.
 */
final class GoldenFiles {
    private static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .resolve("src/test/resources/golden");

    private GoldenFiles() {
    }

    static String read(String path) {
        try {
            return Files.readString(ROOT.resolve(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("golden file " + path + " cannot be read (run with -Dgolden.update=true "
                    + "to create it)", e);
        }
    }

    static void assertMatches(String path, String actual) {
        if (Boolean.getBoolean("golden.update")) {
            try {
                Files.createDirectories(ROOT.resolve(path).getParent());
                Files.writeString(ROOT.resolve(path), actual, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("golden file " + path + " cannot be written", e);
            }
            return;
        }
        assertThat(actual).as("generated output differs from golden file %s (if the change is intended, "
                + "regenerate with -Dgolden.update=true and review the diff)", path).isEqualTo(read(path));
    }
}
