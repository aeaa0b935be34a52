package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.DirectResponseSpec;
import dev.skiff.proxy.model.HeaderMutations;
import dev.skiff.proxy.model.MirrorPolicy;
import dev.skiff.proxy.model.RedirectSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.route.CorsFilter;
import dev.skiff.proxy.route.CorsPolicy;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.config;
import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.prefixRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Redirects, direct responses, per-destination headers and CORS policies as the route translator reads them. */
class RouteActionsTranslatorTest {
    private static final String V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    private static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    private static final String WHERE = "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080";

    private final RouteTranslator translator = new RouteTranslator();

    private static io.envoyproxy.envoy.config.route.v3.Route.Builder local(String name) {
        return io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setName(name)
                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/old/"));
    }

    private List<Route> routes(RouteConfiguration config) throws TranslationException {
        return translator.translate(config).virtualHosts().getFirst().routes();
    }

    @Test
    void redirectsAndDirectResponsesBecomeLocalResponses() throws TranslationException {
        List<Route> routes = routes(config("9080",
                local("moved").setRedirect(RedirectAction.newBuilder().setHostRedirect("ratings.example")
                        .setPortRedirect(8443).setSchemeRedirect("https").setPrefixRewrite("/new/")
                        .setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT))
                        .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                                .setHeader(HeaderValue.newBuilder().setKey("x-moved").setValue("yes"))
                                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)),
                local("gone").setDirectResponse(DirectResponseAction.newBuilder().setStatus(410)
                        .setBody(DataSource.newBuilder().setInlineString("gone"))),
                local("bytes").setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)
                        .setBody(DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(new byte[] {7}))))));

        assertThat(routes.get(0).action()).isNull();
        assertThat(routes.get(0).localResponse()).isEqualTo(new RedirectSpec("https", "ratings.example", 8443, null,
                "/new/", false, 308, new HeaderMutations(List.of(),
                        List.of(new HeaderMutations.HeaderValue("x-moved", "yes", false)))));
        assertThat(routes.get(1).localResponse()).isEqualTo(new DirectResponseSpec(410,
                "gone".getBytes(StandardCharsets.UTF_8), HeaderMutations.NONE));
        assertThat(((DirectResponseSpec) routes.get(2).localResponse()).body()).containsExactly(7);
    }

    @Test
    void redirectFieldsSkiffDoesNotImplementAreRejected() {
        assertThatThrownBy(() -> translator.translate(config("9080", local("r").setRedirect(RedirectAction
                .newBuilder().setRegexRewrite(io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute
                        .getDefaultInstance())))))
                .isInstanceOf(TranslationException.class)
                .hasMessage(WHERE + ": route r: redirect: regex_rewrite: unsupported (expected only: host_redirect,"
                        + " https_redirect, path_redirect, port_redirect, prefix_rewrite, response_code,"
                        + " scheme_redirect, strip_query)");
        assertThatThrownBy(() -> translator.translate(config("9080", local("d").setDirectResponse(
                DirectResponseAction.newBuilder().setStatus(200)
                        .setBody(DataSource.newBuilder().setFilename("/etc/motd"))))))
                .isInstanceOf(TranslationException.class)
                .hasMessage(WHERE + ": route d: direct_response: body: filename: unsupported (expected only:"
                        + " inline_bytes, inline_string)");
    }

    @Test
    void weightedClustersCarryTheirOwnHeaderChanges() throws TranslationException {
        HeaderValueOption version = HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-version").setValue("v2"))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
        List<Route> routes = routes(config("9080", prefixRoute("/", V1).setRoute(
                io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setWeightedClusters(
                        io.envoyproxy.envoy.config.route.v3.WeightedCluster.newBuilder()
                                .addClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight
                                        .newBuilder().setName(V1).setWeight(UInt32Value.of(50)))
                                .addClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight
                                        .newBuilder().setName(V2).setWeight(UInt32Value.of(50))
                                        .addRequestHeadersToAdd(version)
                                        .addResponseHeadersToRemove("server"))))));

        List<WeightedCluster> clusters = routes.getFirst().action().clusters();
        assertThat(clusters.get(0).mutatesHeaders()).isFalse();
        assertThat(clusters.get(1).requestHeaders().add())
                .containsExactly(new HeaderMutations.HeaderValue("x-version", "v2", false));
        assertThat(clusters.get(1).responseHeaders().remove()).containsExactly("server");
    }

    @Test
    void aRoutesCorsPolicyIsTranslatedForTheCorsFilter() throws TranslationException {
        var policy = io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.newBuilder()
                .addAllowOriginStringMatch(StringMatcher.newBuilder().setExact("https://app.example"))
                .addAllowOriginStringMatch(StringMatcher.newBuilder().setPrefix("https://dev."))
                .setAllowMethods("GET,POST").setAllowHeaders("x-token").setExposeHeaders("x-trace").setMaxAge("60")
                .setAllowCredentials(BoolValue.of(true))
                .setForwardNotMatchingPreflights(BoolValue.of(false))
                .setFilterEnabled(RuntimeFractionalPercent.newBuilder().setDefaultValue(FractionalPercent.newBuilder()
                        .setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED)))
                .build();

        Route route = routes(config("9080", prefixRoute("/", V1).putTypedPerFilterConfig(CorsFilter.NAME,
                Any.pack(policy)))).getFirst();

        CorsPolicy cors = route.filterConfig(CorsFilter.NAME, CorsPolicy.class);
        assertThat(cors.allows("https://app.example")).isTrue();
        assertThat(cors.allows("https://dev.app.example")).isTrue();
        assertThat(cors.allows("https://evil.example")).isFalse();
        assertThat(cors.allowMethods()).isEqualTo("GET,POST");
        assertThat(cors.maxAge()).isEqualTo("60");
        assertThat(cors.allowCredentials()).isTrue();
        assertThat(cors.forwardNotMatchingPreflights()).isFalse();

        assertThatThrownBy(() -> translator.translate(config("9080", prefixRoute("/", V1).setName("r")
                .putTypedPerFilterConfig(CorsFilter.NAME, Any.pack(policy.toBuilder()
                        .setShadowEnabled(RuntimeFractionalPercent.getDefaultInstance()).build())))))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith(WHERE + ": route r: typed_per_filter_config envoy.filters.http.cors:"
                        + " shadow_enabled: unsupported");
    }

    @Test
    void requestMirrorPoliciesBecomeTheActionsMirrors() throws TranslationException {
        List<Route> routes = routes(config("9080", prefixRoute("/", V1).setRoute(
                io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(V1)
                        .addRequestMirrorPolicies(io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy
                                .newBuilder().setCluster(V2).setTraceSampled(BoolValue.of(false))
                                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(
                                        FractionalPercent.newBuilder().setNumerator(25)
                                                .setDenominator(FractionalPercent.DenominatorType.HUNDRED))))
                        .addRequestMirrorPolicies(io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy
                                .newBuilder().setCluster(V1).setDisableShadowHostSuffixAppend(true)))));

        assertThat(routes.getFirst().action().mirrors()).containsExactly(new MirrorPolicy(V2, 250_000, true),
                new MirrorPolicy(V1, MirrorPolicy.MILLION, false));
        assertThatThrownBy(() -> translator.translate(config("9080", prefixRoute("/", V1).setName("r").setRoute(
                io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(V1)
                        .addRequestMirrorPolicies(io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy
                                .newBuilder().setClusterHeader("x-mirror"))))))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith(WHERE + ": route r: route: request_mirror_policies[0]: cluster_header:"
                        + " unsupported");
    }
}
