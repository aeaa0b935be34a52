package dev.skiff.proxy.telemetry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DestinationServiceTest {

    @Test
    void outboundClustersNameTheirHost() {
        assertThat(DestinationService.ofCluster("outbound|9080|v2|reviews.default.svc.cluster.local"))
                .isEqualTo(new DestinationService("reviews.default.svc.cluster.local", "reviews", "default"));
        assertThat(DestinationService.ofCluster("outbound|443||api.example.com"))
                .isEqualTo(new DestinationService("api.example.com", "api.example.com", "unknown"));
    }

    @Test
    void otherClustersAreUnknown() {
        assertThat(DestinationService.ofCluster("inbound|9080||")).isEqualTo(DestinationService.UNKNOWN);
        assertThat(DestinationService.ofCluster("outbound|9080|")).isEqualTo(DestinationService.UNKNOWN);
        assertThat(DestinationService.ofCluster("outbound|9080||")).isEqualTo(DestinationService.UNKNOWN);
        assertThat(DestinationService.ofCluster("")).isEqualTo(DestinationService.UNKNOWN);
    }

    @Test
    void inboundAuthoritiesAreCompletedInTheLocalNamespace() {
        DestinationService reviews = new DestinationService("reviews.default.svc.cluster.local", "reviews",
                "default");
        assertThat(DestinationService.ofAuthority("reviews:9080", "default")).isEqualTo(reviews);
        assertThat(DestinationService.ofAuthority("reviews.default", "other")).isEqualTo(reviews);
        assertThat(DestinationService.ofAuthority("reviews.default.svc", "other")).isEqualTo(reviews);
        assertThat(DestinationService.ofAuthority("Reviews.Default.svc.cluster.local:9080", "x")).isEqualTo(reviews);
        assertThat(DestinationService.ofAuthority("127.0.0.1:8080", "default"))
                .isEqualTo(new DestinationService("127.0.0.1", "127.0.0.1", "unknown"));
        assertThat(DestinationService.ofAuthority("[::1]:8080", "default").host()).isEqualTo("[::1]");
        assertThat(DestinationService.ofAuthority("", "default")).isEqualTo(DestinationService.UNKNOWN);
    }
}
