package dev.skiff.controlplane;

import dev.skiff.controlplane.ca.CaServerOptions;
import dev.skiff.controlplane.config.DirectoryConfigSource;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An unmodified grpc-java client with grpc-xds and a bootstrap pointing at Skiff's control plane resolves
 * {@code xds:///reviews.default.svc.cluster.local:9080}, follows the VirtualService (header match and 80/20 split)
 * and calls the endpoints. The VirtualService also has entries grpc-java cannot serve (a direct response and a
 * redirect, which its routes leave out) and settings it ignores (a mirror, a CORS policy that proxyless routes do
 * not carry, per-destination headers), none of which makes it reject the route configuration.
 */
class ProxylessGrpcInteropTest {
    @TempDir
    static Path dir;
    static Server v1;
    static Server v2;
    static ControlPlane controlPlane;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws IOException {
        v1 = backend("v1");
        v2 = backend("v2");
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: grpc, protocol: GRPC}
                  workloadSelector:
                    labels: {app: reviews}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v1}
                spec:
                  address: 127.0.0.1
                  labels: {app: reviews, version: v1}
                  ports: {grpc: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2}
                spec:
                  address: 127.0.0.1
                  labels: {app: reviews, version: v2}
                  ports: {grpc: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews.default.svc.cluster.local
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  http:
                  - match:
                    - headers:
                        end-user: {exact: mallory}
                    directResponse: {status: 403}
                  - match:
                    - headers:
                        end-user: {exact: eve}
                    redirect: {authority: elsewhere}
                  - match:
                    - headers:
                        end-user: {exact: jason}
                    corsPolicy:
                      allowOrigins: [{exact: "https://a.example"}]
                    mirror: {host: reviews.default.svc.cluster.local, subset: v1}
                    route:
                    - destination: {host: reviews.default.svc.cluster.local, subset: v2}
                  - route:
                    - destination: {host: reviews.default.svc.cluster.local, subset: v1}
                      weight: 80
                    - destination: {host: reviews.default.svc.cluster.local, subset: v2}
                      weight: 20
                      headers:
                        request: {set: {x-v: v2}}
                """.formatted(v1.getPort(), v2.getPort()));
        controlPlane = new ControlPlane(new DirectoryConfigSource(config),
                new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state")),
                CaServerOptions.defaults().withAddress(new InetSocketAddress("127.0.0.1", 0))).start();

        // grpc-xds reads its bootstrap from this property when the first xds: channel is created
        System.setProperty("io.grpc.xds.bootstrapConfig", """
                {
                  "xds_servers": [{
                    "server_uri": "127.0.0.1:%d",
                    "channel_creds": [{"type": "insecure"}],
                    "server_features": ["xds_v3"]
                  }],
                  "node": {"id": "proxyless~reviews-client", "metadata": {"NAMESPACE": "default"}}
                }
                """.formatted(controlPlane.xdsPort()));
        channel = Grpc.newChannelBuilder("xds:///reviews.default.svc.cluster.local:9080",
                InsecureChannelCredentials.create()).build();
    }

    private static Server backend(String version) throws IOException {
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                        response.onNext(SimpleResponse.newBuilder().setResponseMessage(version).build());
                        response.onCompleted();
                    }
                })
                .build()
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        v1.shutdownNow();
        v2.shutdownNow();
        System.clearProperty("io.grpc.xds.bootstrapConfig");
    }

    @Test
    void followsTheVirtualServiceSplitAndHeaderMatch() {
        SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(channel)
                .withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(stub.unaryRpc(SimpleRequest.getDefaultInstance()).getResponseMessage()).isIn("v1", "v2");

        int toV1 = 0;
        int calls = 400;
        for (int i = 0; i < calls; i++) {
            String answer = SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .unaryRpc(SimpleRequest.getDefaultInstance()).getResponseMessage();
            if (answer.equals("v1")) {
                toV1++;
            }
        }
        assertThat(toV1 * 100.0 / calls).as("share of calls to v1").isBetween(72.0, 88.0);

        Metadata jason = new Metadata();
        jason.put(Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER), "jason");
        SimpleServiceGrpc.SimpleServiceBlockingStub asJason = SimpleServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(jason));
        for (int i = 0; i < 50; i++) {
            assertThat(asJason.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .unaryRpc(SimpleRequest.getDefaultInstance()).getResponseMessage()).isEqualTo("v2");
        }
    }
}
