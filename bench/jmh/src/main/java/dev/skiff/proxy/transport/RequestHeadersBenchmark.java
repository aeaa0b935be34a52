package dev.skiff.proxy.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The proxy's work on a request head: decoding an HTTP/1.1 head of a typical browser-or-SDK request (10 headers,
 * keep-alive), reading authority and path from it, and rewriting it for the upstream (hop-by-hop headers, Host,
 * {@code x-forwarded-proto}, a new {@code x-request-id}); and on a response head. Rewrites change the headers in
 * place, so each operation works on a fresh copy; {@link #copyHeaders} measures the copy alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestHeadersBenchmark {

    private static final String HEAD = "GET http://reviews.default.svc.cluster.local:9080/reviews/0?details=true"
            + " HTTP/1.1\r\n"
            + "Host: reviews.default.svc.cluster.local:9080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\r\n"
            + "Accept: application/json, text/plain, */*\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\n"
            + "Cookie: session=6b1f0c8e2d4a4c7f9e3b5a1d; theme=dark\r\n"
            + "Proxy-Connection: keep-alive\r\n"
            + "Connection: keep-alive, x-trace-hop\r\n"
            + "X-Trace-Hop: 1\r\n"
            + "End-User: jason\r\n"
            + "\r\n";

    private final SplittableRandom random = new SplittableRandom(3);
    private ByteBuf head;
    private EmbeddedChannel decoder;
    private HttpRequest request;
    private HttpHeaders responseTemplate;

    @Setup
    public void setUp() {
        head = Unpooled.directBuffer().writeBytes(HEAD.getBytes(StandardCharsets.US_ASCII));
        decoder = new EmbeddedChannel(new HttpRequestDecoder());
        decoder.writeInbound(head.retainedDuplicate());
        request = decoder.readInbound();
        ReferenceCountUtil.release(decoder.readInbound());
        responseTemplate = new DefaultHttpHeaders();
        responseTemplate.set("content-type", "application/json");
        responseTemplate.set("content-length", "1024");
        responseTemplate.set("date", "Thu, 26 Nov 2026 00:00:00 GMT");
        responseTemplate.set("server", "uvicorn");
        responseTemplate.set("connection", "keep-alive");
        responseTemplate.set("keep-alive", "timeout=5");
    }

    @TearDown
    public void tearDown() {
        decoder.finishAndReleaseAll();
        head.release();
    }

    /** Netty's HTTP/1.1 decoder turning the head's bytes into a request (the first handler of a connection). */
    @Benchmark
    public HttpRequest decodeHead() {
        decoder.writeInbound(head.retainedDuplicate());
        HttpRequest decoded = decoder.readInbound();
        ReferenceCountUtil.release(decoder.readInbound());
        return decoded;
    }

    /** Copying the decoded headers (the baseline of the rewrite benchmark). */
    @Benchmark
    public HttpHeaders copyHeaders() {
        return new DefaultHttpHeaders().add(request.headers());
    }

    /** Authority and path of a proxy-form request, as route matching reads them. */
    @Benchmark
    public Http1RequestView requestView() {
        return Http1RequestView.of(request);
    }

    /** A copy of the head rewritten for an HTTP/1.1 upstream, with a new request id. */
    @Benchmark
    public String prepareRequest() {
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, request.uri(),
                new DefaultHttpHeaders().add(request.headers()));
        return ProxyHeaders.prepareRequest(copy.headers(), "reviews.default.svc.cluster.local:9080",
                ProxyHeaders.isUpgrade(copy.headers()), false, random);
    }

    /** A copy of a response head with its hop-by-hop headers removed. */
    @Benchmark
    public HttpHeaders prepareResponse() {
        HttpHeaders copy = new DefaultHttpHeaders().add(responseTemplate);
        ProxyHeaders.prepareResponse(copy, false);
        return copy;
    }
}
