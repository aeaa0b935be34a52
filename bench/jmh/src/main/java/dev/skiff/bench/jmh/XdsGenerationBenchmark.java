package dev.skiff.bench.jmh;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.generator.DefaultXdsResourceProvider;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The control plane's cost of a mesh of {@code services} services (see {@link MeshConfigs}) for one sidecar that
 * sees all of them: building the mesh snapshot from the configuration, generating every resource (CDS, EDS, LDS,
 * RDS) for the sidecar from a fresh snapshot, packing generated messages into {@link Any} and serializing a
 * state-of-the-world response.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class XdsGenerationBenchmark {

    @Param("1000")
    public int services;

    private ConfigSnapshot config;
    private ProxyView sidecar;
    private List<Cluster> clusters;
    private List<RouteConfiguration> routes;
    private List<XdsResource> clusterResources;

    @Setup
    public void setUp() throws InvalidProtocolBufferException {
        config = MeshConfigs.load(services);
        sidecar = new ProxyView("sidecar~127.60.0.1~svc-0-v1.ns-0~ns-0.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "svc-0-v1", "ns-0", Map.of("app", "svc-0", "version", "v1"));
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(config);
        clusterResources = new ArrayList<>(provider.resources(sidecar, TypeUrls.CLUSTER, Set.of()));
        clusters = new ArrayList<>();
        for (XdsResource resource : clusterResources) {
            clusters.add(resource.body().unpack(Cluster.class));
        }
        routes = new ArrayList<>();
        for (XdsResource resource : provider.resources(sidecar, TypeUrls.ROUTE, Set.of())) {
            routes.add(resource.body().unpack(RouteConfiguration.class));
        }
        if (clusters.size() < services) {
            throw new IllegalStateException("the sidecar got " + clusters.size() + " clusters (expected: at least "
                    + services + ", one per service)");
        }
    }

    /** The immutable mesh model built from the whole configuration. */
    @Benchmark
    public MeshSnapshot buildMeshSnapshot() {
        return MeshSnapshot.next(MeshSnapshot.empty(), config);
    }

    /** A new snapshot and every resource type generated for one sidecar, as on the first connection after a change. */
    @Benchmark
    public int generateForSidecar() {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(config);
        int count = 0;
        for (String typeUrl : TypeUrls.PUSH_ORDER) {
            Collection<XdsResource> resources = provider.resources(sidecar, typeUrl, Set.of());
            count += resources.size();
        }
        return count;
    }

    /** Packing every cluster of the sidecar into {@code Any} (serializes each message once). */
    @Benchmark
    public void packClusters(Blackhole blackhole) {
        for (Message cluster : clusters) {
            blackhole.consume(Any.pack(cluster));
        }
    }

    /** Packing the sidecar's route configurations (one per outbound port, 1000 virtual hosts). */
    @Benchmark
    public void packRoutes(Blackhole blackhole) {
        for (Message route : routes) {
            blackhole.consume(Any.pack(route));
        }
    }

    /** The CDS state-of-the-world response for the sidecar, from already packed resources, to bytes. */
    @Benchmark
    public byte[] serializeClusterResponse() {
        DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder()
                .setTypeUrl(TypeUrls.CLUSTER)
                .setVersionInfo("1")
                .setNonce("1");
        for (XdsResource resource : clusterResources) {
            response.addResources(resource.body());
        }
        return response.build().toByteArray();
    }
}
