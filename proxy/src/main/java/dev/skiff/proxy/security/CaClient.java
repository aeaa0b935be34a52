package dev.skiff.proxy.security;

import dev.skiff.api.security.v1alpha1.IstioCertificateRequest;
import dev.skiff.api.security.v1alpha1.IstioCertificateResponse;
import dev.skiff.api.security.v1alpha1.IstioCertificateServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Istio's certificate service ({@code istio.v1.auth.IstioCertificateService/CreateCertificate}) over TLS, verified
 * with the CA's trust bundle and the name {@code istiod.istio-system.svc}; every call carries the workload's bootstrap
 * token as {@code authorization: Bearer <token>}, read from its file on each call so that a replaced token is used.
 */
public final class CaClient implements CertificateSigner, AutoCloseable {

    /** The name the CA port's certificate carries, as istiod's does. */
    public static final String CA_AUTHORITY = "istiod.istio-system.svc";
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final ManagedChannel channel;
    private final Path tokenFile;
    private final String target;

    /**
     * @param host      the CA's host
     * @param port      the CA's TLS port
     * @param caRoot    the roots that sign the CA port's certificate (the control plane's trust bundle)
     * @param tokenFile the file holding the workload's bootstrap token
     */
    public CaClient(String host, int port, Path caRoot, Path tokenFile) {
        this.tokenFile = tokenFile;
        this.target = host + ":" + port;
        if (!Files.isReadable(caRoot)) {
            throw new IllegalArgumentException("--ca-root: " + caRoot + " is not readable (expected: the control"
                    + " plane's trust-bundle.pem)");
        }
        readToken();
        try {
            this.channel = NettyChannelBuilder.forAddress(host, port)
                    .sslContext(GrpcSslContexts.forClient().trustManager(caRoot.toFile()).build())
                    .overrideAuthority(CA_AUTHORITY)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--ca-root: " + caRoot + ": " + e.getMessage()
                    + " (expected: PEM root certificates)", e);
        }
    }

    @Override
    public List<X509Certificate> sign(String csrPem, Duration validity) throws CertificateRequestException {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + readToken());
        IstioCertificateResponse response;
        try {
            response = IstioCertificateServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .createCertificate(IstioCertificateRequest.newBuilder()
                            .setCsr(csrPem)
                            .setValidityDuration(validity.toSeconds())
                            .build());
        } catch (StatusRuntimeException e) {
            throw new CertificateRequestException("CA " + target + " refused the certificate request: "
                    + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                    : ": " + e.getStatus().getDescription()), e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (int i = 0; i < response.getCertChainCount(); i++) {
            try {
                chain.addAll(Pem.certificates(response.getCertChain(i), "cert_chain[" + i + "]"));
            } catch (IllegalArgumentException e) {
                throw new CertificateRequestException("CA " + target + " answered with " + e.getMessage(), e);
            }
        }
        if (response.hasRootCert()) {
            for (String root : response.getRootCert().getCaCertList()) {
                chain.addAll(Pem.certificates(root, "root_cert"));
            }
        }
        return chain;
    }

    private String readToken() {
        String token;
        try {
            token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-file: cannot read " + tokenFile + ": " + e.getMessage()
                    + " (expected: a file holding the token of 'skiff token create')", e);
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("--token-file: " + tokenFile + " is empty (expected: the token of"
                    + " 'skiff token create')");
        }
        return token;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
