package dev.skiff.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostnamesTest {
    @Test
    void shortNameIsResolvedInTheNamespaceOfTheObject() {
        assertThat(Hostnames.resolve("reviews", "default")).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(Hostnames.resolve("reviews", "shop")).isEqualTo("reviews.shop.svc.cluster.local");
    }

    @Test
    void namesWithADotWildcardsAndAddressesAreTakenAsWritten() {
        assertThat(Hostnames.resolve("reviews.default.svc.cluster.local", "other"))
                .isEqualTo("reviews.default.svc.cluster.local");
        assertThat(Hostnames.resolve("api.example.com", "default")).isEqualTo("api.example.com");
        assertThat(Hostnames.resolve("*", "default")).isEqualTo("*");
        assertThat(Hostnames.resolve("*.example.com", "default")).isEqualTo("*.example.com");
        assertThat(Hostnames.resolve("10.0.0.1", "default")).isEqualTo("10.0.0.1");
        assertThat(Hostnames.resolve("::1", "default")).isEqualTo("::1");
    }

    @Test
    void emptyHostIsRejectedWithWhatWasExpected() {
        assertThatThrownBy(() -> Hostnames.resolve("", "default"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("host: \"\" (expected: a host name, a short service name or *)");
    }

    @Test
    void patternsMatchExactlyOrBySuffix() {
        assertThat(Hostnames.matches("reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local")).isTrue();
        assertThat(Hostnames.matches("Reviews.Default.svc.cluster.local", "reviews.default.svc.cluster.local")).isTrue();
        assertThat(Hostnames.matches("reviews.default.svc.cluster.local", "ratings.default.svc.cluster.local")).isFalse();
        assertThat(Hostnames.matches("*.default.svc.cluster.local", "reviews.default.svc.cluster.local")).isTrue();
        assertThat(Hostnames.matches("*.default.svc.cluster.local", "reviews.other.svc.cluster.local")).isFalse();
        assertThat(Hostnames.matches("*.example.com", "example.com")).isFalse();
        assertThat(Hostnames.matches("*", "anything.at.all")).isTrue();
    }

    @Test
    void exactPatternsAreMoreSpecificThanWildcardsAndLongerWildcardsThanShorterOnes() {
        assertThat(Hostnames.specificity("reviews.default.svc.cluster.local"))
                .isGreaterThan(Hostnames.specificity("*.default.svc.cluster.local"));
        assertThat(Hostnames.specificity("*.default.svc.cluster.local"))
                .isGreaterThan(Hostnames.specificity("*.svc.cluster.local"));
        assertThat(Hostnames.specificity("*.svc.cluster.local")).isGreaterThan(Hostnames.specificity("*"));
    }

    @Test
    void shortFormsExistOnlyForServicesOfTheGivenNamespace() {
        assertThat(Hostnames.shortForms("reviews.default.svc.cluster.local", "default"))
                .containsExactly("reviews", "reviews.default", "reviews.default.svc");
        assertThat(Hostnames.shortForms("reviews.default.svc.cluster.local", "other")).isEmpty();
        assertThat(Hostnames.shortForms("api.example.com", "default")).isEmpty();
        assertThat(Hostnames.shortForms("a.b.default.svc.cluster.local", "default")).isEmpty();
    }
}
