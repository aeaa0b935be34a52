package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RouterFilter;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.upstream.UpstreamPools;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.REVIEWS_CLUSTER;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(NoLeaks.class)
class DownstreamHttpHandlerTest {

    private final List<RequestContext> completed = new ArrayList<>();
    private final List<ByteBuf> sentBodies = new ArrayList<>();
    private EmbeddedChannel channel;
    private ListenerBinding binding;

    @BeforeEach
    void setUp() {
        ProxyConfigSnapshot snapshot = new TestMesh().outbound().endpoints(REVIEWS_CLUSTER).build("1");
        RuntimeState state = RuntimeState.build(snapshot, RuntimeState.empty(), 1);
        channel = new EmbeddedChannel();
        ListenerRuntime listener = state.listeners().get(OUTBOUND);
        binding = new ListenerBinding(listener.spec(), new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        Worker worker = new Worker(0, channel.eventLoop(), new RouterFilter(new SplittableRandom(1), 0),
                new UpstreamPools(new Bootstrap().group(channel.eventLoop())), completed::add);
        ConnectionContext connection = new ConnectionContext(worker, () -> state, listener, binding, null);
        channel.pipeline().addLast(DownstreamHttpHandler.CODEC_NAME, DownstreamInitializer.newServerCodec());
        channel.pipeline().addLast(DownstreamHttpHandler.HANDLER_NAME, new DownstreamHttpHandler(connection, false));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        sentBodies.forEach(ByteBuf::release);
        assertThat(sentBodies).allMatch(buf -> buf.refCnt() == 0);
    }

    private void send(String text) {
        ByteBuf bytes = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        sentBodies.add(bytes.retain());
        channel.writeInbound(bytes);
    }

    private String received() {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    @Test
    void unknownHostIsAnsweredWith404AndFlagNR() {
        send("GET http://details:9080/x HTTP/1.1\r\nHost: details:9080\r\n\r\n");
        assertThat(received()).startsWith("HTTP/1.1 404 Not Found\r\n").contains("content-length: 0\r\n");
        assertThat(channel.isOpen()).isTrue();
        assertThat(completed).singleElement().satisfies(context -> {
            assertThat(context.flagsString()).isEqualTo("NR");
            assertThat(context.responseCode()).isEqualTo(404);
            assertThat(context.authority()).isEqualTo("details:9080");
            assertThat(context.path()).isEqualTo("/x");
            assertThat(context.direction()).isEqualTo(Direction.OUTBOUND);
        });
    }

    @Test
    void clusterWithoutEndpointsIsAnsweredWith503AndFlagUH() {
        send("GET / HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
        assertThat(received()).startsWith("HTTP/1.1 503 Service Unavailable\r\n").endsWith("no healthy upstream");
        assertThat(completed).singleElement().satisfies(context -> {
            assertThat(context.flagsString()).isEqualTo("UH");
            assertThat(context.cluster()).isEqualTo(REVIEWS_CLUSTER);
            assertThat(context.routeName()).isEqualTo("default");
        });
    }

    @Test
    void bodiesOfLocallyAnsweredRequestsAreDiscardedAndPipelinedRequestsFollow() {
        send("POST /a HTTP/1.1\r\nHost: nowhere\r\nContent-Length: 5\r\n\r\nhel");
        send("lo");
        send("POST /b HTTP/1.1\r\nHost: nowhere\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /c HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
        String responses = received();
        assertThat(responses.split("HTTP/1.1 ", -1)).hasSize(4);
        assertThat(responses).contains("404 Not Found").contains("503 Service Unavailable");
        assertThat(completed).extracting(RequestContext::path).containsExactly("/a", "/b", "/c");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() {
        send("GET / HTTP/1.0\r\nHost: nowhere\r\n\r\n");
        assertThat(received()).startsWith("HTTP/1.1 404").contains("connection: close");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void malformedRequestsGet400AndTheConnectionCloses() {
        send("GET / HTTP/1.1\r\nHost: x\r\nbad header line without colon\r\n\r\n");
        assertThat(received()).startsWith("HTTP/1.1 400 Bad Request");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void connectWithoutAPortIsRejected() {
        send("CONNECT reviews HTTP/1.1\r\nHost: reviews\r\n\r\n");
        assertThat(received()).startsWith("HTTP/1.1 400 Bad Request").contains("expected: host:port");
    }

    @Test
    void drainingClosesIdleConnectionsAndBusyOnesAfterTheirResponse() {
        send("GET / HTTP/1.1\r\nHost: nowhere\r\n\r\n");
        assertThat(received()).startsWith("HTTP/1.1 404").doesNotContain("connection: close");
        channel.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void chainsAreSelectedByDestinationPort() {
        ListenerSpec spec = new ListenerSpec("l", TestMesh.loopback(0), Direction.OUTBOUND, false, List.of(
                new FilterChainSpec("any", 0, HttpConnectionManagerSpec.rds("any")),
                new FilterChainSpec("outbound|80||a", 80, TcpProxySpec.of("outbound|80||a")),
                new FilterChainSpec("http-80", 80, HttpConnectionManagerSpec.rds("80"))));
        ChainIndex index = new ChainIndex(spec.chains());
        assertThat(index.forConnection(80).name()).isEqualTo("outbound|80||a");
        assertThat(index.httpChain(80).name()).isEqualTo("http-80");
        assertThat(index.httpChain(81).name()).isEqualTo("any");
        assertThat(index.forConnection(81).name()).isEqualTo("any");
        assertThat(index.tcpChain(80, "outbound|80||a").name()).isEqualTo("outbound|80||a");
        assertThat(index.tcpChain(80, "outbound|80||b")).isNull();
    }
}
