package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.telemetry.ConnectionDetails;
import dev.skiff.proxy.telemetry.ListenerTelemetry;

import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.Set;

/**
 * What happened to one request (or one TCP connection): the route and cluster taken, the upstream host, the status
 * and the response flags. Written on the request's event loop only; handed to the {@link RequestListener} when
 * the request completes, after which it is not changed any more.
 */
public final class RequestContext {

    private static final ResponseFlag[] FLAGS = ResponseFlag.values();

    private final String listenerName;
    private final Direction direction;
    private final long startNanos;
    private String method = "";
    private String authority = "";
    private String path = "";
    private String protocol = "";
    private String requestId = "";
    private String virtualHost = "";
    private String routeName = "";
    private String cluster = "";
    private InetSocketAddress upstreamHost;
    private InetSocketAddress downstreamRemoteAddress;
    private String hashCookie;
    private int responseCode;
    private String grpcStatus = "";
    private int flags;
    private long bytesReceived;
    private long bytesSent;
    private String peerMetadata = "";
    private long requestHeaderBytes;
    private String peerPrincipal = "";
    private String localPrincipal = "";
    private long responseHeaderBytes;
    private boolean grpc;
    private GrpcMessageCounter requestMessages;
    private GrpcMessageCounter responseMessages;
    private String userAgent;
    private String forwardedFor;
    private long upstreamRequestNanos;
    private long upstreamResponseNanos;
    private Object traceSpan;
    private ListenerTelemetry telemetry = ListenerTelemetry.DEFAULT;
    private Boolean accessLogHint;
    private ConnectionDetails downstreamConnection = ConnectionDetails.NONE;
    private ConnectionDetails upstreamConnection = ConnectionDetails.NONE;
    private String upstreamTransportFailureReason;
    private String connectionTerminationDetails;

    public RequestContext(String listenerName, Direction direction, long startNanos) {
        this.listenerName = listenerName;
        this.direction = direction;
        this.startNanos = startNanos;
    }

    /** The telemetry settings of the HTTP connection manager that took the request. */
    public ListenerTelemetry telemetry() {
        return telemetry;
    }

    /** Set once the request's HTTP connection manager is known, before any listener event. */
    public RequestContext telemetry(ListenerTelemetry settings) {
        this.telemetry = settings;
        return this;
    }

    public String listenerName() {
        return listenerName;
    }

    public Direction direction() {
        return direction;
    }

    public long startNanos() {
        return startNanos;
    }

    public String method() {
        return method;
    }

    public String authority() {
        return authority;
    }

    public String path() {
        return path;
    }

    public String protocol() {
        return protocol;
    }

    public String requestId() {
        return requestId;
    }

    public String virtualHost() {
        return virtualHost;
    }

    public String routeName() {
        return routeName;
    }

    public String cluster() {
        return cluster;
    }

    /** The upstream host the request went to, or null when none was picked. */
    /** The downstream connection's peer address, or null when unknown. */
    public InetSocketAddress downstreamRemoteAddress() {
        return downstreamRemoteAddress;
    }

    public RequestContext downstreamRemoteAddress(InetSocketAddress address) {
        this.downstreamRemoteAddress = address;
        return this;
    }

    /** The {@code Set-Cookie} value a cookie hash policy generated for this request, or null. */
    public String hashCookie() {
        return hashCookie;
    }

    public void hashCookie(String setCookie) {
        this.hashCookie = setCookie;
    }

    public InetSocketAddress upstreamHost() {
        return upstreamHost;
    }

    /** The status sent downstream, 0 before a response started (and for TCP connections). */
    public int responseCode() {
        return responseCode;
    }

    /** The {@code grpc-status} the upstream answered with (in headers or trailers), empty when none. */
    public String grpcStatus() {
        return grpcStatus;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public long bytesSent() {
        return bytesSent;
    }

    /** The peer's {@code x-envoy-peer-metadata} header as received, empty when none came. */
    public String peerMetadata() {
        return peerMetadata;
    }

    public void peerMetadata(String peerMetadata) {
        this.peerMetadata = peerMetadata;
    }

    /** The downstream client's identity from its mutual TLS certificate, empty without mutual TLS. */
    public String peerPrincipal() {
        return peerPrincipal;
    }

    /** This proxy's identity on the downstream mutual TLS connection, empty without mutual TLS. */
    public String localPrincipal() {
        return localPrincipal;
    }

    /** Records the identities of the downstream connection's mutual TLS session. */
    public void principals(String peer, String local) {
        this.peerPrincipal = peer;
        this.localPrincipal = local;
    }

    /** Bytes of the request's headers as Envoy counts them (names and values), 0 when not measured. */
    public long requestHeaderBytes() {
        return requestHeaderBytes;
    }

    public void addRequestHeaderBytes(long bytes) {
        requestHeaderBytes += bytes;
    }

    /** Bytes of the response's headers as Envoy counts them (names and values), 0 when not measured. */
    public long responseHeaderBytes() {
        return responseHeaderBytes;
    }

    public void addResponseHeaderBytes(long bytes) {
        responseHeaderBytes += bytes;
    }

    /** Whether the request is gRPC (its content type is {@code application/grpc...}). */
    public boolean grpc() {
        return grpc;
    }

    /** Marks the request as gRPC; its messages are counted from then on. */
    public void markGrpc() {
        if (!grpc) {
            grpc = true;
            requestMessages = new GrpcMessageCounter();
            responseMessages = new GrpcMessageCounter();
        }
    }

    /** Counts the gRPC messages in a part of the request body (nothing for other requests). */
    public void countRequestMessages(ByteBuf body) {
        if (requestMessages != null) {
            requestMessages.count(body);
        }
    }

    /** Counts the gRPC messages in a part of the response body (nothing for other requests). */
    public void countResponseMessages(ByteBuf body) {
        if (responseMessages != null) {
            responseMessages.count(body);
        }
    }

    /** gRPC messages sent by the client so far, 0 for other requests. */
    public long requestMessages() {
        return requestMessages == null ? 0 : requestMessages.messages();
    }

    /** gRPC messages sent by the server so far, 0 for other requests. */
    public long responseMessages() {
        return responseMessages == null ? 0 : responseMessages.messages();
    }

    /** The request's {@code user-agent} as forwarded, or null when it had none or was not recorded. */
    public String userAgent() {
        return userAgent;
    }

    /** The request's {@code x-forwarded-for} as forwarded, or null when it had none or was not recorded. */
    public String forwardedFor() {
        return forwardedFor;
    }

    /** Records the request headers the access log reports. */
    public void requestDetails(String userAgent, String forwardedFor) {
        this.userAgent = userAgent;
        this.forwardedFor = forwardedFor;
    }

    /** When the request head went upstream ({@link System#nanoTime()}), 0 when it did not. */
    public long upstreamRequestNanos() {
        return upstreamRequestNanos;
    }

    public void upstreamRequestNanos(long nanos) {
        this.upstreamRequestNanos = nanos;
    }

    /** When the upstream's response head arrived ({@link System#nanoTime()}), 0 when none did. */
    public long upstreamResponseNanos() {
        return upstreamResponseNanos;
    }

    public void upstreamResponseNanos(long nanos) {
        this.upstreamResponseNanos = nanos;
    }

    /** The tracing listener's state for this request (its span), null when the request is not traced. */
    public Object traceSpan() {
        return traceSpan;
    }

    public void traceSpan(Object span) {
        this.traceSpan = span;
    }

    public RequestContext request(String method, String authority, String path, String protocol) {
        this.method = method;
        this.authority = authority;
        this.path = path;
        this.protocol = protocol;
        return this;
    }

    public void requestId(String requestId) {
        this.requestId = requestId;
    }

    public void virtualHost(String virtualHost) {
        this.virtualHost = virtualHost;
    }

    public void routeName(String routeName) {
        this.routeName = routeName;
    }

    public void cluster(String cluster) {
        this.cluster = cluster;
    }

    public void upstreamHost(InetSocketAddress upstreamHost) {
        this.upstreamHost = upstreamHost;
    }

    public void responseCode(int responseCode) {
        this.responseCode = responseCode;
    }

    public void grpcStatus(String grpcStatus) {
        this.grpcStatus = grpcStatus;
    }

    public void addBytesReceived(long bytes) {
        bytesReceived += bytes;
    }

    public void addBytesSent(long bytes) {
        bytesSent += bytes;
    }

    public void addFlag(ResponseFlag flag) {
        flags |= flag.bit();
    }

    public boolean hasFlag(ResponseFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    /**
     * Envoy's {@code envoy.common} {@code access_log_hint} dynamic metadata: whether an RBAC LOG filter (Istio's
     * AUDIT policies) matched the request; null when no LOG filter ran.
     */
    public Boolean accessLogHint() {
        return accessLogHint;
    }

    public void accessLogHint(boolean hint) {
        this.accessLogHint = hint ? Boolean.TRUE : Boolean.FALSE;
    }

    /** The downstream connection's details (kept per connection), {@link ConnectionDetails#NONE} when not known. */
    public ConnectionDetails downstreamConnection() {
        return downstreamConnection;
    }

    public void downstreamConnection(ConnectionDetails details) {
        this.downstreamConnection = details;
    }

    /**
     * The details of the upstream connection the request last went out on (kept per connection),
     * {@link ConnectionDetails#NONE} when none was made.
     */
    public ConnectionDetails upstreamConnection() {
        return upstreamConnection;
    }

    public void upstreamConnection(ConnectionDetails details) {
        this.upstreamConnection = details;
    }

    /** Why the last upstream connection attempt failed its TLS handshake, null when none did. */
    public String upstreamTransportFailureReason() {
        return upstreamTransportFailureReason;
    }

    public void upstreamTransportFailureReason(String reason) {
        this.upstreamTransportFailureReason = reason;
    }

    /** Why the proxy closed the downstream connection itself, null when it did not. */
    public String connectionTerminationDetails() {
        return connectionTerminationDetails;
    }

    public void connectionTerminationDetails(String details) {
        this.connectionTerminationDetails = details;
    }

    /** The flags as a bit set, one bit per {@link ResponseFlag} ordinal. */
    public int flagBits() {
        return flags;
    }

    public Set<ResponseFlag> flags() {
        EnumSet<ResponseFlag> set = EnumSet.noneOf(ResponseFlag.class);
        for (ResponseFlag flag : FLAGS) {
            if (hasFlag(flag)) {
                set.add(flag);
            }
        }
        return set;
    }

    /** The flags as Envoy prints them: {@code UH,UF}, or {@code -} when there are none. */
    public String flagsString() {
        if (flags == 0) {
            return "-";
        }
        StringBuilder out = new StringBuilder();
        for (ResponseFlag flag : FLAGS) {
            if (hasFlag(flag)) {
                if (!out.isEmpty()) {
                    out.append(',');
                }
                out.append(flag.code());
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "RequestContext[" + listenerName + " " + method + " " + authority + path + " -> " + responseCode
                + " " + flagsString() + " route=" + routeName + " cluster=" + cluster + " host=" + upstreamHost + "]";
    }
}
