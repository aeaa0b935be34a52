package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.FaultPolicy;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.concurrent.TimeUnit;

/**
 * Envoy's {@code envoy.filters.http.fault} for routes that carry a {@link FaultPolicy}: a picked share of requests
 * waits the fixed delay (flag DI) before going on, a picked share is answered at once with the abort status (flag
 * FI; a gRPC abort is a trailers-only response with that {@code grpc-status}). The abort is decided after the
 * delay, as Envoy does. A request a fault was injected into gets neither the route timeout nor retries.
 */
public final class FaultFilter implements HttpFilter {

    public static final String NAME = "envoy.filters.http.fault";
    static final String ABORT_BODY = "fault filter abort";

    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString GRPC_CONTENT_TYPE = AsciiString.cached("application/grpc");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus onRequest(HttpFilterCallbacks request) {
        FaultPolicy fault = request.route().filterConfig(NAME, FaultPolicy.class);
        if (fault == null) {
            return FilterStatus.CONTINUE;
        }
        if (fault.hasDelay() && picked(request, fault.delayPerMillion())) {
            request.context().addFlag(ResponseFlag.DELAY_INJECTED);
            request.executor().schedule(() -> afterDelay(request, fault), fault.delay().toNanos(),
                    TimeUnit.NANOSECONDS);
            return FilterStatus.STOP;
        }
        return abortIfPicked(request, fault) ? FilterStatus.STOP : FilterStatus.CONTINUE;
    }

    private static void afterDelay(HttpFilterCallbacks request, FaultPolicy fault) {
        if (request.isDone()) {
            return;
        }
        if (!abortIfPicked(request, fault)) {
            request.resume();
        }
    }

    private static boolean abortIfPicked(HttpFilterCallbacks request, FaultPolicy fault) {
        if (!fault.hasAbort() || !picked(request, fault.abortPerMillion())) {
            return false;
        }
        if (fault.abortGrpcStatus() >= 0) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, GRPC_CONTENT_TYPE)
                    .setInt(GRPC_STATUS, fault.abortGrpcStatus())
                    .set(GRPC_MESSAGE, ABORT_BODY);
            request.sendLocalResponse(response, ResponseFlag.FAULT_INJECTED);
        } else {
            request.sendLocalReply(fault.abortHttpStatus(), ABORT_BODY, ResponseFlag.FAULT_INJECTED);
        }
        return true;
    }

    private static boolean picked(HttpFilterCallbacks request, int perMillion) {
        return perMillion >= FaultPolicy.MILLION
                || (perMillion > 0 && request.random().nextInt(FaultPolicy.MILLION) < perMillion);
    }
}
