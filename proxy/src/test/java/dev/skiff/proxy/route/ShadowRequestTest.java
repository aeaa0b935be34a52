package dev.skiff.proxy.route;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShadowRequestTest {

    @Test
    void theShadowSuffixGoesAfterTheHostNameAndBeforeThePort() {
        assertThat(ShadowRequest.shadowAuthority("ratings:9080")).isEqualTo("ratings-shadow:9080");
        assertThat(ShadowRequest.shadowAuthority("ratings.default.svc.cluster.local"))
                .isEqualTo("ratings.default.svc.cluster.local-shadow");
        assertThat(ShadowRequest.shadowAuthority("[::1]")).isEqualTo("[::1]-shadow");
    }
}
