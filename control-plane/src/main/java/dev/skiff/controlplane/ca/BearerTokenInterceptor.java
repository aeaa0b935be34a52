package dev.skiff.controlplane.ca;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;

/**
 * Authenticates gRPC callers by the bootstrap token in their {@code authorization: Bearer <token>} metadata. A call
 * without a valid token is closed with UNAUTHENTICATED before it reaches the service; an authenticated call sees its
 * caller in {@link #CALLER}.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
    /** The authenticated caller of the current call. */
    public static final Context.Key<WorkloadToken> CALLER = Context.key("skiff-authenticated-caller");

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "bearer ";

    private final BootstrapTokens tokens;
    private final Runnable onRejected;

    public BearerTokenInterceptor(BootstrapTokens tokens) {
        this(tokens, () -> { });
    }

    /** @param onRejected runs for every call closed as UNAUTHENTICATED (to count them) */
    public BearerTokenInterceptor(BootstrapTokens tokens, Runnable onRejected) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.onRejected = Objects.requireNonNull(onRejected, "onRejected");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        WorkloadToken caller;
        try {
            caller = authenticate(headers.get(AUTHORIZATION));
        } catch (TokenException e) {
            onRejected.run();
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }

    private WorkloadToken authenticate(String authorization) throws TokenException {
        if (authorization == null || authorization.isBlank()) {
            throw new TokenException("no authorization metadata (expected: authorization: Bearer <token>, "
                    + "with a token from 'skiff token create')");
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new TokenException("the authorization metadata is not a bearer token (expected: "
                    + "authorization: Bearer <token>)");
        }
        return tokens.verify(authorization.substring(BEARER.length()).strip());
    }
}
