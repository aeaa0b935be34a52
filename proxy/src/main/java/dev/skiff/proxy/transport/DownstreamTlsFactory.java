package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.DownstreamTlsSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

/** Makes the server-side TLS handler of an accepted connection, from the secrets in force when it is accepted. */
public interface DownstreamTlsFactory {

    /** A proxy without secrets: TLS filter chains refuse their connections with the reason. */
    DownstreamTlsFactory NONE = (spec, alloc) -> {
        throw new IllegalStateException("TLS filter chain needs SDS secret '" + spec.certificateSecret()
                + "' (expected: a proxy started with --token-file, whose agent provides it)");
    };

    /**
     * @throws IllegalStateException when the secrets the spec names are not available
     */
    SslHandler newHandler(DownstreamTlsSpec spec, ByteBufAllocator alloc);
}
