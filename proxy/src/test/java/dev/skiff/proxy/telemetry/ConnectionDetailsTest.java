package dev.skiff.proxy.telemetry;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionDetailsTest {

    @Test
    void addressesPrintAsEnvoyPrintsThem() throws Exception {
        assertThat(ConnectionDetails.text(new InetSocketAddress(InetAddress.getByName("127.0.46.2"), 15006)))
                .isEqualTo("127.0.46.2:15006");
        assertThat(ConnectionDetails.text(new InetSocketAddress(InetAddress.getByName("::1"), 9080)))
                .isEqualTo("[0:0:0:0:0:0:0:1]:9080");
    }

    @Test
    void principalsAreMutualOnlyWhenBothEndsProvedAnIdentity() {
        TlsPrincipals both = new TlsPrincipals("spiffe://cluster.local/ns/default/sa/reviews",
                "spiffe://cluster.local/ns/default/sa/productpage");
        assertThat(new ConnectionDetails("127.0.0.1:1", null, both).mutualPrincipals()).isSameAs(both);
        assertThat(new ConnectionDetails("127.0.0.1:1", null,
                new TlsPrincipals("spiffe://cluster.local/ns/default/sa/reviews", "")).mutualPrincipals()).isNull();
        assertThat(ConnectionDetails.NONE.mutualPrincipals()).isNull();
    }

    @Test
    void aPlaintextConnectionIsResolvedOnceWithItsLocalAddress() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(InetAddress.getLoopbackAddress(), 0)
                    .sync().channel();
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
            ConnectionDetails details = ConnectionDetails.of(client);
            InetSocketAddress local = (InetSocketAddress) client.localAddress();
            assertThat(details.localAddress()).isEqualTo("127.0.0.1:" + local.getPort());
            assertThat(details.serverName()).isNull();
            assertThat(details.principals()).isSameAs(TlsPrincipals.NONE);
            assertThat(ConnectionDetails.of(client)).as("kept on the connection").isSameAs(details);
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
