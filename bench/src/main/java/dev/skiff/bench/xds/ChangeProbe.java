package dev.skiff.bench.xds;

import com.google.protobuf.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What marks one configuration change in the xDS resources: a string field whose whole value is the token, in a
 * resource of the probe's type (the header value of an edited route, the address of an added endpoint). A
 * resource carries the change when its serialized bytes hold the token as a length-delimited protobuf field, that
 * is the token preceded by its one-byte length, so a token that is a prefix of another value does not match.
 */
public final class ChangeProbe {
    /** The kinds of change the benchmark applies. */
    public enum ChangeKind { ROUTE, ENDPOINT }

    private final int sequence;
    private final ChangeKind kind;
    private final String typeUrl;
    private final String token;
    /** The length byte and the token's bytes, as Latin-1 characters (one per byte). */
    private final String needle;

    /**
     * @param sequence which change of the run this is
     * @param kind     what changed, for the report
     * @param typeUrl  the resource type that carries the change
     * @param token    the string value the change introduces (1 to 127 bytes of UTF-8)
     */
    public ChangeProbe(int sequence, ChangeKind kind, String typeUrl, String token) {
        this.sequence = sequence;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.typeUrl = Objects.requireNonNull(typeUrl, "typeUrl");
        this.token = Objects.requireNonNull(token, "token");
        byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > 127) {
            throw new IllegalArgumentException("token '" + token + "' is " + bytes.length + " bytes (expected 1 to 127)");
        }
        this.needle = (char) bytes.length + new String(bytes, StandardCharsets.ISO_8859_1);
    }

    public int sequence() {
        return sequence;
    }

    public ChangeKind kind() {
        return kind;
    }

    public String typeUrl() {
        return typeUrl;
    }

    public String token() {
        return token;
    }

    /** Whether {@code resource} (the serialized bytes of one resource) carries the change. */
    public boolean matches(ByteString resource) {
        // A Latin-1 string maps each byte to one char, and its indexOf is vectorized by the JDK.
        return resource.size() >= needle.length() && resource.toString(StandardCharsets.ISO_8859_1).contains(needle);
    }

    @Override
    public String toString() {
        return kind + " change " + sequence + " (" + token + ")";
    }
}
