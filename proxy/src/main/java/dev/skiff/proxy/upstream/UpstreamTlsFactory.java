package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.UpstreamTlsSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

import java.net.InetSocketAddress;

/** Makes the client-side TLS handler of a new upstream connection, from the secrets in force when it connects. */
public interface UpstreamTlsFactory {

    /** A proxy without secrets: every TLS origination is refused with the reason. */
    UpstreamTlsFactory NONE = (spec, alloc, peer) -> {
        throw new IllegalStateException("TLS to " + peer + " needs SDS secrets '" + spec.certificateSecret() + "'/'"
                + spec.validationSecret() + "' (expected: a proxy started with --token-file, whose agent provides them)");
    };

    /**
     * @throws IllegalStateException when the secrets the spec names are not available
     */
    SslHandler newHandler(UpstreamTlsSpec spec, ByteBufAllocator alloc, InetSocketAddress peer);
}
