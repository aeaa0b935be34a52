package dev.skiff.proxy.peerexchange;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.skiff.proxy.telemetry.PeerMetadataCodec;
import dev.skiff.proxy.telemetry.WorkloadMetadata;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.nio.ByteBuffer;

/**
 * This sidecar's side of Istio's TCP metadata exchange, and the wire format. Each side writes a preface: the magic
 * {@code 0x3D230467} and a length (both unsigned 32-bit, network byte order), then that many bytes: a serialized
 * {@code google.protobuf.Any} packing a {@code google.protobuf.Struct} with {@code x-envoy-peer-metadata} (the node
 * metadata struct, the fields of the HTTP exchange's header) and {@code x-envoy-peer-metadata-id} (the node id).
 * The preface is encoded once per sidecar; a connection writes the same bytes.
 */
public final class PeerExchange {

    /** The ALPN protocol under which the exchange runs. */
    public static final String PROTOCOL = "istio-peer-exchange";
    /** The largest peer data accepted; a peer announcing more is treated as not speaking the exchange. */
    public static final int MAX_DATA_BYTES = 64 * 1024;
    /** No local metadata: the preface carries an empty metadata struct. */
    public static final PeerExchange NONE = new PeerExchange(Struct.getDefaultInstance(), "");

    static final int MAGIC = 0x3D230467;
    static final int HEADER_BYTES = 8;
    static final String METADATA = "x-envoy-peer-metadata";
    static final String METADATA_ID = "x-envoy-peer-metadata-id";
    static final String STRUCT_TYPE_URL = "type.googleapis.com/google.protobuf.Struct";

    private static final AttributeKey<String> PEER = AttributeKey.valueOf(PeerExchange.class, "peer");

    private final byte[] preface;

    private PeerExchange(Struct metadata, String nodeId) {
        this.preface = preface(metadata, nodeId);
    }

    /** The exchange of a sidecar with this workload metadata and node id. */
    public static PeerExchange of(WorkloadMetadata local, String nodeId) {
        return new PeerExchange(PeerMetadataCodec.struct(local), nodeId);
    }

    /** The bytes this sidecar writes first on an exchanging connection. */
    static byte[] preface(Struct metadata, String nodeId) {
        Struct.Builder data = Struct.newBuilder()
                .putFields(METADATA, Value.newBuilder().setStructValue(metadata).build());
        if (!nodeId.isEmpty()) {
            data.putFields(METADATA_ID, Value.newBuilder().setStringValue(nodeId).build());
        }
        byte[] any = Any.newBuilder().setTypeUrl(STRUCT_TYPE_URL).setValue(data.build().toByteString()).build()
                .toByteArray();
        return ByteBuffer.allocate(HEADER_BYTES + any.length).putInt(MAGIC).putInt(any.length).put(any).array();
    }

    /** The preface to write on one connection (a view of the shared bytes). */
    ByteBuf preface() {
        return Unpooled.wrappedBuffer(preface);
    }

    /**
     * The peer's metadata in the form of the HTTP exchange's {@code x-envoy-peer-metadata} header value (which the
     * metrics resolve and cache), from the bytes that follow the peer's magic and length; empty when they carry no
     * metadata.
     *
     * @throws IllegalArgumentException when the bytes are not a serialized {@code Any} of a {@code Struct}
     */
    static String peerMetadata(byte[] data) {
        Struct struct;
        try {
            struct = Struct.parseFrom(Any.parseFrom(data).getValue());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(data.length + " bytes that are not a serialized google.protobuf.Any"
                    + " of a google.protobuf.Struct (" + e.getMessage() + ")", e);
        }
        Value metadata = struct.getFieldsOrDefault(METADATA, Value.getDefaultInstance());
        return metadata.hasStructValue() ? PeerMetadataCodec.encode(metadata.getStructValue()) : "";
    }

    /** Keeps the peer metadata an upstream connection received, for whoever links it. */
    static void peerOf(Channel channel, String peerMetadata) {
        channel.attr(PEER).set(peerMetadata);
    }

    /** The peer metadata an upstream connection received in the exchange, empty when it made none. */
    public static String peerOf(Channel channel) {
        String peer = channel.attr(PEER).get();
        return peer == null ? "" : peer;
    }
}
