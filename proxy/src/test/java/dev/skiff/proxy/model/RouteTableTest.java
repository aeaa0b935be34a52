package dev.skiff.proxy.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTableTest {

    private static VirtualHost host(String name, String... domains) {
        return new VirtualHost(name, List.of(domains), List.of(new Route("r", RouteMatch.any(),
                RouteAction.cluster("c-" + name))));
    }

    private final RouteTable table = new RouteTable("9080", List.of(
            host("exact", "reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local:9080", "reviews"),
            host("suffix-short", "*.example.com"),
            host("suffix-long", "*.api.example.com"),
            host("dash", "*-bar.example.org"),
            host("prefix", "foo.*"),
            host("prefix-long", "foo.bar.*"),
            host("default", "*")));

    @Test
    void exactDomainsWinIgnoringCase() {
        assertThat(table.findVirtualHost("reviews").name()).isEqualTo("exact");
        assertThat(table.findVirtualHost("Reviews.Default.SVC.cluster.local:9080").name()).isEqualTo("exact");
    }

    @Test
    void longestSuffixWildcardWins() {
        assertThat(table.findVirtualHost("a.example.com").name()).isEqualTo("suffix-short");
        assertThat(table.findVirtualHost("x.api.example.com").name()).isEqualTo("suffix-long");
        assertThat(table.findVirtualHost("foo-bar.example.org").name()).isEqualTo("dash");
    }

    @Test
    void wildcardMustMatchAtLeastOneCharacter() {
        assertThat(table.findVirtualHost(".example.com").name()).isEqualTo("default");
        assertThat(table.findVirtualHost("-bar.example.org").name()).isEqualTo("default");
    }

    @Test
    void suffixWildcardsBeatPrefixWildcards() {
        assertThat(table.findVirtualHost("foo.example.com").name()).isEqualTo("suffix-short");
        assertThat(table.findVirtualHost("foo.internal").name()).isEqualTo("prefix");
        assertThat(table.findVirtualHost("foo.bar.baz").name()).isEqualTo("prefix-long");
    }

    @Test
    void starCatchesTheRestAndNoStarMeansNoHost() {
        assertThat(table.findVirtualHost("unknown:80").name()).isEqualTo("default");
        RouteTable strict = new RouteTable("strict", List.of(host("only", "only.example")));
        assertThat(strict.findVirtualHost("other.example")).isNull();
        assertThat(strict.findVirtualHost("")).isNull();
    }

    @Test
    void portIsPartOfTheAuthority() {
        RouteTable withPorts = new RouteTable("p", List.of(host("h", "ratings", "ratings:9080")));
        assertThat(withPorts.findVirtualHost("ratings:9080").name()).isEqualTo("h");
        assertThat(withPorts.findVirtualHost("ratings:9081")).isNull();
    }

    @Test
    void duplicateDomainsAreRejected() {
        assertThatThrownBy(() -> new RouteTable("dup", List.of(host("a", "x.example"), host("b", "X.example"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("domain 'X.example' of virtual host b is already used by virtual host a");
    }

    @Test
    void equalityFollowsComponents() {
        RouteTable again = new RouteTable("9080", table.virtualHosts());
        assertThat(again).isEqualTo(table).hasSameHashCodeAs(table);
    }
}
