package dev.skiff.proxy.peerexchange;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.skiff.proxy.telemetry.PeerMetadataCodec;
import dev.skiff.proxy.telemetry.WorkloadMetadata;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The exchange's wire format and handler: round trip, bytes as Istio's filter writes them, malformed prefaces. */
class PeerExchangeHandlerTest {

    private static final WorkloadMetadata RATINGS = new WorkloadMetadata("ratings-v2", "bookinfo", "ratings-v2",
            Map.of("app", "ratings", "version", "v2"), "Kubernetes");

    /** A channel running the handler; what it decides about the peer lands in {@code peers}. */
    private static EmbeddedChannel channel(PeerExchange local, List<String> peers) {
        return new EmbeddedChannel(new PeerExchangeHandler(local, peers::add));
    }

    private static byte[] readAll(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }

    private static String inbound(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        for (ByteBuf buf = channel.readInbound(); buf != null; buf = channel.readInbound()) {
            text.append(new String(readAll(buf), StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    @Test
    void prefaceIsMagicLengthAndAnAnyOfTheMetadataStruct() throws Exception {
        EmbeddedChannel channel = channel(PeerExchange.of(RATINGS, "sidecar~127.0.57.2~ratings-v2.bookinfo~x"),
                new ArrayList<>());
        ByteBuffer preface = ByteBuffer.wrap(readAll(channel.readOutbound()));

        assertThat(preface.getInt()).isEqualTo(0x3D230467);
        assertThat(preface.getInt()).isEqualTo(preface.remaining());
        Any any = Any.parseFrom(ByteString.copyFrom(preface));
        assertThat(any.getTypeUrl()).isEqualTo("type.googleapis.com/google.protobuf.Struct");
        Struct data = Struct.parseFrom(any.getValue());
        assertThat(data.getFieldsOrThrow("x-envoy-peer-metadata-id").getStringValue())
                .isEqualTo("sidecar~127.0.57.2~ratings-v2.bookinfo~x");
        assertThat(data.getFieldsOrThrow("x-envoy-peer-metadata").getStructValue())
                .isEqualTo(PeerMetadataCodec.struct(RATINGS));
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void roundTripGivesThePeersMetadataAndPassesTheBytesAfterIt() {
        List<String> peers = new ArrayList<>();
        EmbeddedChannel client = channel(PeerExchange.of(RATINGS, "sidecar~a"), new ArrayList<>());
        EmbeddedChannel server = channel(PeerExchange.NONE, peers);
        ByteBuf preface = client.readOutbound();

        server.writeInbound(Unpooled.wrappedBuffer(preface, Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));

        assertThat(peers).hasSize(1);
        WorkloadMetadata peer = PeerMetadataCodec.decode(peers.getFirst());
        assertThat(peer.workloadName()).isEqualTo("ratings-v2");
        assertThat(peer.namespace()).isEqualTo("bookinfo");
        assertThat(peer.app()).isEqualTo("ratings");
        assertThat(peer.version()).isEqualTo("v2");
        assertThat(inbound(server)).isEqualTo("hello");
        assertThat(server.pipeline().get(PeerExchangeHandler.class)).isNull();
        server.writeInbound(Unpooled.copiedBuffer(" again", StandardCharsets.UTF_8));
        assertThat(inbound(server)).isEqualTo(" again");
        assertThat(client.finishAndReleaseAll()).isFalse();
        server.finishAndReleaseAll();
    }

    @Test
    void readsAPrefaceAsIstiosFilterWritesItArrivingInPieces() throws IOException {
        Struct node = Struct.newBuilder()
                .putFields("CLUSTER_ID", string("Kubernetes"))
                .putFields("ISTIO_VERSION", string("1.24.0"))
                .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("app", string("productpage"))
                        .putFields("service.istio.io/canonical-name", string("productpage"))
                        .putFields("version", string("v1"))).build())
                .putFields("MESH_ID", string("cluster.local"))
                .putFields("NAME", string("productpage-v1-5d9b4c9849-x7k2p"))
                .putFields("NAMESPACE", string("default"))
                .putFields("WORKLOAD_NAME", string("productpage-v1"))
                .build();
        Struct data = Struct.newBuilder()
                .putFields("x-envoy-peer-metadata", Value.newBuilder().setStructValue(node).build())
                .putFields("x-envoy-peer-metadata-id", string("sidecar~10.0.0.7~productpage-v1-5d9b4c9849-x7k2p"
                        + ".default~default.svc.cluster.local"))
                .build();
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        CodedOutputStream coded = CodedOutputStream.newInstance(serialized);
        coded.useDeterministicSerialization();
        data.writeTo(coded);
        coded.flush();
        byte[] any = Any.newBuilder().setTypeUrl("type.googleapis.com/google.protobuf.Struct")
                .setValue(ByteString.copyFrom(serialized.toByteArray())).build().toByteArray();
        byte[] wire = ByteBuffer.allocate(8 + any.length + 3).putInt(0x3D230467).putInt(any.length).put(any)
                .put("abc".getBytes(StandardCharsets.US_ASCII)).array();
        List<String> peers = new ArrayList<>();
        EmbeddedChannel channel = channel(PeerExchange.NONE, peers);

        channel.writeInbound(Unpooled.wrappedBuffer(wire, 0, 3));
        channel.writeInbound(Unpooled.wrappedBuffer(wire, 3, 20));
        assertThat(peers).isEmpty();
        channel.writeInbound(Unpooled.wrappedBuffer(wire, 23, wire.length - 23));

        WorkloadMetadata peer = PeerMetadataCodec.decode(peers.getFirst());
        assertThat(peer.workloadName()).isEqualTo("productpage-v1");
        assertThat(peer.name()).isEqualTo("productpage-v1-5d9b4c9849-x7k2p");
        assertThat(peer.canonicalService()).isEqualTo("productpage");
        assertThat(peer.version()).isEqualTo("v1");
        assertThat(inbound(channel)).isEqualTo("abc");
        channel.finishAndReleaseAll();
    }

    @Test
    void aWrongMagicLeavesThePeerUnknownAndRelaysTheBytesAsTheyCame() {
        List<String> peers = new ArrayList<>();
        EmbeddedChannel channel = channel(PeerExchange.NONE, peers);

        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));

        assertThat(peers).containsExactly("");
        assertThat(inbound(channel)).isEqualTo("GET / HTTP/1.1\r\n");
        channel.finishAndReleaseAll();
    }

    @Test
    void aLengthAboveTheBoundIsRejectedAtOnceInsteadOfWaitedFor() {
        List<String> peers = new ArrayList<>();
        EmbeddedChannel channel = channel(PeerExchange.NONE, peers);

        channel.writeInbound(Unpooled.wrappedBuffer(ByteBuffer.allocate(10).putInt(0x3D230467).putInt(-1)
                .put((byte) 1).put((byte) 2).flip()));

        assertThat(peers).containsExactly("");
        assertThat(inbound(channel)).hasSize(10);
        channel.finishAndReleaseAll();
    }

    @Test
    void dataThatIsNotAnAnyLeavesThePeerUnknown() {
        List<String> peers = new ArrayList<>();
        EmbeddedChannel channel = channel(PeerExchange.NONE, peers);

        channel.writeInbound(Unpooled.wrappedBuffer(ByteBuffer.allocate(12).putInt(0x3D230467).putInt(4)
                .putInt(0xFFFFFFFF).flip()));

        assertThat(peers).containsExactly("");
        assertThat(inbound(channel)).hasSize(12);
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionClosedMidPrefaceReleasesWhatItHeld() {
        List<String> peers = new ArrayList<>();
        EmbeddedChannel channel = channel(PeerExchange.NONE, peers);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{0x3D, 0x23, 0x04, 0x67, 0, 0, 1, 0, 9}));
        channel.close();

        assertThat(peers).isEmpty();
        channel.finishAndReleaseAll();
    }

    private static Value string(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }
}
