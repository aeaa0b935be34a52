package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.XdsResource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/** The version of a set of resources of one type: a digest of their names and per-resource versions. */
final class Versions {
    private static final int VERSION_BYTES = 8;
    private static final Comparator<XdsResource> BY_NAME = Comparator.comparing(XdsResource::name);

    private Versions() {
    }

    /** The same set of (name, version) pairs always gives the same version, whatever the order. */
    static String of(Collection<XdsResource> resources) {
        List<XdsResource> sorted = new ArrayList<>(resources);
        sorted.sort(BY_NAME);
        MessageDigest digest = sha256();
        for (XdsResource resource : sorted) {
            digest.update(resource.name().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(resource.version().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
        return HexFormat.of().formatHex(digest.digest(), 0, VERSION_BYTES);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM (every Java platform must have it)", e);
        }
    }
}
