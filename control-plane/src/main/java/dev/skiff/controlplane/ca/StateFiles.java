package dev.skiff.controlplane.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Files in the control plane's state directory: secrets readable by their owner only, written atomically. */
final class StateFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private StateFiles() {
    }

    /** Creates the directory (and its parents) when missing. */
    static Path directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory (expected the control plane's state directory)");
        }
        return dir;
    }

    /** A temporary file next to {@code target} holding {@code text}, with the given permissions. */
    private static Path writeTemporary(Path target, String text, Set<PosixFilePermission> permissions)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temporary = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            if (Files.getFileStore(temporary).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(temporary, permissions);
            }
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            return temporary;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
    }

    /**
     * Writes {@code text} to {@code target} unless it exists already; when another process created it first, its
     * content wins.
     *
     * @return true when this call created the file
     */
    static boolean createIfAbsent(Path target, String text) throws IOException {
        Path temporary = writeTemporary(target, text, OWNER_ONLY);
        try {
            Files.createLink(target, temporary);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException e) {
            try {
                Files.move(temporary, target);
                return true;
            } catch (FileAlreadyExistsException exists) {
                return false;
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Replaces {@code target} with secret {@code text} (readable by its owner only) in one step, so readers see the
     * old or the new content.
     */
    static void replace(Path target, String text) throws IOException {
        replace(target, text, OWNER_ONLY);
    }

    /** Replaces {@code target} with public {@code text} (readable by everyone) in one step. */
    static void publish(Path target, String text) throws IOException {
        replace(target, text, WORLD_READABLE);
    }

    private static void replace(Path target, String text, Set<PosixFilePermission> permissions) throws IOException {
        Path temporary = writeTemporary(target, text, permissions);
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    static String read(Path path) throws IOException {
        return Files.readString(path, StandardCharsets.US_ASCII);
    }
}
