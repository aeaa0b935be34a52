package dev.skiff.proxy.security;

import org.junit.jupiter.api.Test;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SanVerifyingTrustManagerTest {

    private static final String REVIEWS = "spiffe://cluster.local/ns/default/sa/reviews";
    private static final String RATINGS = "spiffe://cluster.local/ns/default/sa/ratings";

    private final TestCa ca = new TestCa(REVIEWS, Clock.systemUTC(), Duration.ofHours(1));

    private X509Certificate[] chainOf(TestCa issuer) throws Exception {
        return new X509Certificate[]{issuer.issue(TestCa.ecKey().getPublic())};
    }

    @Test
    void acceptsAPeerWithAnExpectedSpiffeId() throws Exception {
        SanVerifyingTrustManager manager = new SanVerifyingTrustManager(List.of(ca.root()), List.of(RATINGS, REVIEWS));

        assertThatCode(() -> manager.checkServerTrusted(chainOf(ca), "ECDHE_ECDSA")).doesNotThrowAnyException();
        assertThatCode(() -> manager.checkClientTrusted(chainOf(ca), "ECDHE_ECDSA")).doesNotThrowAnyException();
    }

    @Test
    void refusesAPeerWithAnotherIdentity() throws Exception {
        SanVerifyingTrustManager manager = new SanVerifyingTrustManager(List.of(ca.root()), List.of(RATINGS));

        assertThatThrownBy(() -> manager.checkServerTrusted(chainOf(ca), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessage("peer certificate SANs [" + REVIEWS + "] (expected one of: [" + RATINGS + "])");
    }

    @Test
    void acceptsAnyIdentityWhenNoneIsExpected() throws Exception {
        SanVerifyingTrustManager manager = new SanVerifyingTrustManager(List.of(ca.root()), List.of());

        assertThatCode(() -> manager.checkClientTrusted(chainOf(ca.forIdentity(RATINGS)), "ECDHE_ECDSA"))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesAChainFromAnotherRootEvenWithTheRightName() throws Exception {
        TestCa stranger = new TestCa(REVIEWS, Clock.systemUTC(), Duration.ofHours(1));
        SanVerifyingTrustManager manager = new SanVerifyingTrustManager(List.of(ca.root()), List.of(REVIEWS));

        assertThatThrownBy(() -> manager.checkServerTrusted(chainOf(stranger), "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }
}
