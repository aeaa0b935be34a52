/**
 * The Netty side of the data plane. {@link dev.skiff.proxy.transport.ListenerManager} binds listener sockets;
 * {@link dev.skiff.proxy.transport.DownstreamInitializer} picks a filter chain per accepted connection;
 * {@link dev.skiff.proxy.transport.ProtocolDetector} tells HTTP/1.1 from HTTP/2 (prior knowledge). Each HTTP/1.1
 * connection or HTTP/2 stream is served by a {@code DownstreamHttpHandler}, which routes each request and streams
 * it through an {@code HttpExchange} to an {@link dev.skiff.proxy.upstream.UpstreamStream}. Both sides of an
 * exchange speak protocol-neutral HTTP objects (head, body parts, last part with trailers), so HTTP/1.1 and HTTP/2
 * mix freely. TCP chains, CONNECT and protocol upgrades become byte tunnels. Everything for one connection runs on
 * its event loop, without locks.
 */
package dev.skiff.proxy.transport;
