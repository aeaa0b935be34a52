package dev.skiff.proxy.xds;

import com.google.rpc.Code;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.skiff.proxy.xds.XdsFixtures.INBOUND;
import static dev.skiff.proxy.xds.XdsFixtures.REVIEWS;
import static dev.skiff.proxy.xds.XdsFixtures.assignment;
import static dev.skiff.proxy.xds.XdsFixtures.edsCluster;
import static dev.skiff.proxy.xds.XdsFixtures.response;
import static dev.skiff.proxy.xds.XdsFixtures.routes;
import static dev.skiff.proxy.xds.XdsFixtures.staticCluster;
import static dev.skiff.proxy.xds.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AdsClientTest {
    private static final NodeIdentity NODE = new NodeIdentity("reviews-v1", "default", Optional.empty(),
            Map.of("app", "reviews", "version", "v1"));

    private final List<ProxyConfigSnapshot> published = new CopyOnWriteArrayList<>();
    private volatile String applyFailure;
    private final XdsConfigAssembler assembler = new XdsConfigAssembler(NODE.toNode(), Clock.systemUTC(),
            snapshot -> {
                if (applyFailure != null) {
                    throw new IllegalStateException(applyFailure);
                }
                published.add(snapshot);
            });
    private RecordingAdsServer server;
    private AdsClient client;

    @BeforeEach
    void start() throws Exception {
        String name = "ads-" + System.nanoTime();
        server = RecordingAdsServer.inProcess(name).start();
        client = new AdsClient(InProcessChannelBuilder.forName(name), "in-process:" + name, NODE.toNode(), assembler,
                new ReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100), new SplittableRandom(7)));
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void subscribesToClustersAndListenersWithTheNodeOnTheFirstRequest() throws Exception {
        DiscoveryRequest cds = server.nextRequest();
        DiscoveryRequest lds = server.nextRequest();

        assertThat(cds.getTypeUrl()).isEqualTo(XdsTypeUrls.CLUSTER);
        assertThat(cds.getResourceNamesList()).isEmpty();
        assertThat(cds.getVersionInfo()).isEmpty();
        assertThat(cds.getResponseNonce()).isEmpty();
        assertThat(cds.getNode().getId()).isEqualTo("sidecar~0.0.0.0~reviews-v1.default~default.svc.cluster.local");
        assertThat(cds.getNode().getMetadata().getFieldsMap().get("NAMESPACE").getStringValue()).isEqualTo("default");
        assertThat(cds.getNode().getMetadata().getFieldsMap().get("WORKLOAD_NAME").getStringValue())
                .isEqualTo("reviews-v1");
        assertThat(cds.getNode().getMetadata().getFieldsMap().get("LABELS").getStructValue().getFieldsMap())
                .containsOnlyKeys("app", "version");
        assertThat(lds.getTypeUrl()).isEqualTo(XdsTypeUrls.LISTENER);
        assertThat(lds.getResourceNamesList()).isEmpty();
        assertThat(lds.hasNode()).isFalse();
        assertThat(server.hasPendingRequests()).isFalse();
    }

    @Test
    void acksAndSubscribesToWhatClustersAndListenersReference() throws Exception {
        skipInitialRequests();

        receiveFullConfig();

        await().until(() -> assembler.firstConfig().isDone());
        ProxyConfigSnapshot snapshot = assembler.current();
        assertThat(snapshot.clusters()).containsOnlyKeys(REVIEWS, INBOUND);
        assertThat(snapshot.endpointSet(REVIEWS).endpoints()).hasSize(1);
        assertThat(snapshot.routeTable("9080")).isNotNull();
        assertThat(client.isConnected()).isTrue();
    }

    @Test
    void nacksAnInvalidResponseAndKeepsThePreviousConfiguration() throws Exception {
        skipInitialRequests();
        receiveFullConfig();
        ProxyConfigSnapshot good = assembler.current();

        server.send(response(XdsTypeUrls.CLUSTER, "c2", "n5", edsCluster(REVIEWS).toBuilder()
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build()));

        DiscoveryRequest nack = server.nextRequest();
        assertThat(nack.getTypeUrl()).isEqualTo(XdsTypeUrls.CLUSTER);
        assertThat(nack.getVersionInfo()).isEqualTo("c1");
        assertThat(nack.getResponseNonce()).isEqualTo("n5");
        assertThat(nack.getErrorDetail().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(nack.getErrorDetail().getMessage()).isEqualTo("cluster " + REVIEWS
                + ": lb_policy CLUSTER_PROVIDED unsupported (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");
        assertThat(assembler.current()).isSameAs(good);
        assertThat(published).hasSize(1);

        server.send(response(XdsTypeUrls.CLUSTER, "c3", "n6", edsCluster(REVIEWS), staticCluster(INBOUND, 8081)));
        DiscoveryRequest ack = server.nextRequest();
        assertThat(ack.getVersionInfo()).isEqualTo("c3");
        assertThat(ack.getResponseNonce()).isEqualTo("n6");
        assertThat(ack.hasErrorDetail()).isFalse();
        await().until(() -> published.size() == 2);
    }

    @Test
    void reconnectsResendingSubscriptionsAndKeepsServingMeanwhile() throws Exception {
        skipInitialRequests();
        receiveFullConfig();
        ProxyConfigSnapshot good = assembler.current();

        server.stop();
        await().until(() -> !client.isConnected());
        assertThat(assembler.current()).isSameAs(good);
        server.start();

        DiscoveryRequest cds = server.nextRequest();
        DiscoveryRequest eds = server.nextRequest();
        DiscoveryRequest lds = server.nextRequest();
        DiscoveryRequest rds = server.nextRequest();
        assertThat(server.streamsOpened()).isGreaterThanOrEqualTo(2);
        assertThat(cds.getTypeUrl()).isEqualTo(XdsTypeUrls.CLUSTER);
        assertThat(cds.getNode().getId()).isEqualTo(NODE.nodeId());
        assertThat(cds.getVersionInfo()).isEqualTo("c1");
        assertThat(cds.getResponseNonce()).isEmpty();
        assertThat(eds.getTypeUrl()).isEqualTo(XdsTypeUrls.ENDPOINT);
        assertThat(eds.getResourceNamesList()).containsExactly(REVIEWS);
        assertThat(eds.getVersionInfo()).isEqualTo("e1");
        assertThat(lds.getTypeUrl()).isEqualTo(XdsTypeUrls.LISTENER);
        assertThat(lds.getVersionInfo()).isEqualTo("l1");
        assertThat(rds.getTypeUrl()).isEqualTo(XdsTypeUrls.ROUTE);
        assertThat(rds.getResourceNamesList()).containsExactly("9080");
        assertThat(rds.getVersionInfo()).isEqualTo("r1");
        assertThat(assembler.current()).isSameAs(good);

        server.send(response(XdsTypeUrls.CLUSTER, "c1", "m1", edsCluster(REVIEWS), staticCluster(INBOUND, 8080)));
        assertThat(server.nextRequest().getResponseNonce()).isEqualTo("m1");
        await().until(client::isConnected);
        assertThat(published).as("the same resources again publish nothing new").hasSize(1);
    }

    @Test
    void nacksAnUpdateTheRuntimeCannotApply() throws Exception {
        skipInitialRequests();
        receiveFullConfig();
        applyFailure = "listener inbound|8080: cannot bind 127.0.0.10:8080: address in use";

        server.send(response(XdsTypeUrls.LISTENER, "l2", "n5", virtualOutbound("127.0.0.10", "9080", 9080),
                XdsFixtures.inboundTcp("127.0.0.10", 8080, INBOUND)));

        DiscoveryRequest nack = server.nextRequest();
        assertThat(nack.getVersionInfo()).isEqualTo("l1");
        assertThat(nack.getResponseNonce()).isEqualTo("n5");
        assertThat(nack.getErrorDetail().getMessage()).isEqualTo("internal error while applying the response:"
                + " java.lang.IllegalStateException: listener inbound|8080: cannot bind 127.0.0.10:8080: address in use");
        assertThat(assembler.current().listeners()).hasSize(1);
    }

    @Test
    void unwrapsResourcesSentInsideResourceWrappers() throws Exception {
        skipInitialRequests();

        server.send(DiscoveryResponse.newBuilder()
                .setTypeUrl(XdsTypeUrls.CLUSTER)
                .setVersionInfo("c1")
                .setNonce("n1")
                .addResources(Any.pack(Resource.newBuilder().setName(INBOUND)
                        .setResource(Any.pack(staticCluster(INBOUND, 8080))).build()))
                .build());

        DiscoveryRequest ack = server.nextRequest();
        assertThat(ack.getVersionInfo()).isEqualTo("c1");
        assertThat(ack.hasErrorDetail()).isFalse();
        assertThat(assembler.resourceNames(XdsTypeUrls.ENDPOINT)).isEmpty();
    }

    private void skipInitialRequests() throws InterruptedException {
        assertThat(server.nextRequest().getTypeUrl()).isEqualTo(XdsTypeUrls.CLUSTER);
        assertThat(server.nextRequest().getTypeUrl()).isEqualTo(XdsTypeUrls.LISTENER);
    }

    /** CDS, EDS, LDS, RDS as the control plane pushes them, checking each ACK and subscription on the way. */
    private void receiveFullConfig() throws InterruptedException {
        server.send(response(XdsTypeUrls.CLUSTER, "c1", "n1", edsCluster(REVIEWS), staticCluster(INBOUND, 8080)));
        DiscoveryRequest cdsAck = server.nextRequest();
        assertThat(cdsAck.getTypeUrl()).isEqualTo(XdsTypeUrls.CLUSTER);
        assertThat(cdsAck.getVersionInfo()).isEqualTo("c1");
        assertThat(cdsAck.getResponseNonce()).isEqualTo("n1");
        assertThat(cdsAck.hasErrorDetail()).isFalse();
        DiscoveryRequest edsSubscription = server.nextRequest();
        assertThat(edsSubscription.getTypeUrl()).isEqualTo(XdsTypeUrls.ENDPOINT);
        assertThat(edsSubscription.getResourceNamesList()).containsExactly(REVIEWS);
        assertThat(edsSubscription.getVersionInfo()).isEmpty();

        server.send(response(XdsTypeUrls.ENDPOINT, "e1", "n2", assignment(REVIEWS, "127.0.0.21", 9080)));
        DiscoveryRequest edsAck = server.nextRequest();
        assertThat(edsAck.getTypeUrl()).isEqualTo(XdsTypeUrls.ENDPOINT);
        assertThat(edsAck.getVersionInfo()).isEqualTo("e1");
        assertThat(edsAck.getResponseNonce()).isEqualTo("n2");
        assertThat(edsAck.getResourceNamesList()).containsExactly(REVIEWS);

        server.send(response(XdsTypeUrls.LISTENER, "l1", "n3", virtualOutbound("127.0.0.10", "9080", 9080)));
        DiscoveryRequest ldsAck = server.nextRequest();
        assertThat(ldsAck.getTypeUrl()).isEqualTo(XdsTypeUrls.LISTENER);
        assertThat(ldsAck.getVersionInfo()).isEqualTo("l1");
        DiscoveryRequest rdsSubscription = server.nextRequest();
        assertThat(rdsSubscription.getTypeUrl()).isEqualTo(XdsTypeUrls.ROUTE);
        assertThat(rdsSubscription.getResourceNamesList()).containsExactly("9080");

        server.send(response(XdsTypeUrls.ROUTE, "r1", "n4", routes("9080", REVIEWS)));
        DiscoveryRequest rdsAck = server.nextRequest();
        assertThat(rdsAck.getTypeUrl()).isEqualTo(XdsTypeUrls.ROUTE);
        assertThat(rdsAck.getVersionInfo()).isEqualTo("r1");
        assertThat(rdsAck.getResponseNonce()).isEqualTo("n4");
        assertThat(server.hasPendingRequests()).isFalse();
    }
}
