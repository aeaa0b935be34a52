package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.CorsPolicy;
import dev.skiff.api.networking.v1alpha3.Destination;
import dev.skiff.api.networking.v1alpha3.HTTPBody;
import dev.skiff.api.networking.v1alpha3.HTTPDirectResponse;
import dev.skiff.api.networking.v1alpha3.HTTPMirrorPolicy;
import dev.skiff.api.networking.v1alpha3.HTTPRedirect;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.Headers;
import dev.skiff.api.networking.v1alpha3.Percent;
import dev.skiff.api.networking.v1alpha3.StringMatch;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RouteActionsTest {

    @Test
    void aRedirectIsMovedPermanentlyByDefaultWithThePathAuthorityAndScheme() {
        RedirectAction redirect = RouteActions.redirect(HTTPRedirect.newBuilder().setUri("/v2/ratings")
                .setAuthority("ratings.example").setScheme("https").build(), 9080);

        assertThat(redirect.getPathRedirect()).isEqualTo("/v2/ratings");
        assertThat(redirect.getHostRedirect()).isEqualTo("ratings.example");
        assertThat(redirect.getSchemeRedirect()).isEqualTo("https");
        assertThat(redirect.getPortRedirect()).isZero();
        assertThat(redirect.getResponseCode()).isEqualTo(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY);
    }

    @Test
    void thePrefixMarkerMakesAPrefixRewriteAndTheRequestPortIsTheRoutesPort() {
        RedirectAction redirect = RouteActions.redirect(HTTPRedirect.newBuilder().setUri("%PREFIX()%/new/")
                .setDerivePort(HTTPRedirect.RedirectPortSelection.FROM_REQUEST_PORT).setRedirectCode(307).build(),
                9080);

        assertThat(redirect.getPrefixRewrite()).isEqualTo("/new/");
        assertThat(redirect.getPortRedirect()).isEqualTo(9080);
        assertThat(redirect.getResponseCode()).isEqualTo(RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT);
    }

    @Test
    void theProtocolDefaultPortWritesNoPortAndAnExplicitPortIsKept() {
        assertThat(RouteActions.redirect(HTTPRedirect.newBuilder().setAuthority("a")
                .setDerivePort(HTTPRedirect.RedirectPortSelection.FROM_PROTOCOL_DEFAULT).build(), 9080)
                .getPortRedirect()).isZero();
        assertThat(RouteActions.redirect(HTTPRedirect.newBuilder().setPort(8443).setRedirectCode(308).build(), 9080))
                .satisfies(redirect -> {
                    assertThat(redirect.getPortRedirect()).isEqualTo(8443);
                    assertThat(redirect.getResponseCode())
                            .isEqualTo(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT);
                });
    }

    @Test
    void aDirectResponseCarriesItsStatusAndItsStringOrBytesBody() {
        DirectResponseAction text = RouteActions.directResponse(HTTPDirectResponse.newBuilder().setStatus(503)
                .setBody(HTTPBody.newBuilder().setString("unavailable")).build());
        DirectResponseAction bytes = RouteActions.directResponse(HTTPDirectResponse.newBuilder().setStatus(200)
                .setBody(HTTPBody.newBuilder().setBytes(ByteString.copyFrom(new byte[] {1, 2}))).build());

        assertThat(text.getStatus()).isEqualTo(503);
        assertThat(text.getBody().getInlineString()).isEqualTo("unavailable");
        assertThat(bytes.getBody().getInlineBytes().toByteArray()).containsExactly(1, 2);
        assertThat(RouteActions.directResponse(HTTPDirectResponse.newBuilder().setStatus(204).build()).hasBody())
                .isFalse();
    }

    @Test
    void corsIsTheFiltersPerRouteConfigurationAsIstioWritesIt() {
        var cors = RouteActions.corsPolicy(CorsPolicy.newBuilder()
                .addAllowOrigins(StringMatch.newBuilder().setExact("https://a.example"))
                .addAllowOrigins(StringMatch.newBuilder().setRegex("https://.*\\.b\\.example"))
                .addAllowMethods("GET").addAllowMethods("POST")
                .addAllowHeaders("x-token")
                .addExposeHeaders("x-trace")
                .setMaxAge(Duration.newBuilder().setSeconds(86400))
                .setAllowCredentials(BoolValue.of(true))
                .build());

        assertThat(cors.getAllowOriginStringMatchList()).extracting(match -> match.getExact().isEmpty()
                ? match.getSafeRegex().getRegex() : match.getExact())
                .containsExactly("https://a.example", "https://.*\\.b\\.example");
        assertThat(cors.getAllowMethods()).isEqualTo("GET,POST");
        assertThat(cors.getAllowHeaders()).isEqualTo("x-token");
        assertThat(cors.getExposeHeaders()).isEqualTo("x-trace");
        assertThat(cors.getMaxAge()).isEqualTo("86400");
        assertThat(cors.getAllowCredentials().getValue()).isTrue();
        assertThat(cors.getForwardNotMatchingPreflights().getValue()).isTrue();
        assertThat(cors.getFilterEnabled().getDefaultValue().getDenominator())
                .isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
        assertThat(RouteActions.corsPolicy(CorsPolicy.newBuilder().addAllowOrigin("https://old.example")
                .setUnmatchedPreflights(CorsPolicy.UnmatchedPreflights.IGNORE).build()))
                .satisfies(old -> {
                    assertThat(old.getAllowOriginStringMatch(0).getExact()).isEqualTo("https://old.example");
                    assertThat(old.getForwardNotMatchingPreflights().getValue()).isFalse();
                });
    }

    @Test
    void aSingleDestinationsHeadersGoOnTheRouteAndSeveralOnTheirWeightedClusters() {
        Headers headers = Headers.newBuilder()
                .setRequest(Headers.HeaderOperations.newBuilder().putSet("x-version", "v1").addRemove("x-debug"))
                .setResponse(Headers.HeaderOperations.newBuilder().putAdd("x-served-by", "v1"))
                .build();
        HTTPRouteDestination destination = HTTPRouteDestination.newBuilder()
                .setDestination(Destination.newBuilder().setHost("reviews")).setHeaders(headers).build();
        Route.Builder route = Route.newBuilder();
        RouteActions.applyRouteFields(route, HTTPRoute.newBuilder().addRoute(destination).build(), true);
        WeightedCluster.ClusterWeight.Builder cluster = WeightedCluster.ClusterWeight.newBuilder().setName("v1");
        RouteActions.destinationHeaders(cluster, destination);

        assertThat(route.getRequestHeadersToAdd(0).getHeader().getKey()).isEqualTo("x-version");
        assertThat(route.getRequestHeadersToAdd(0).getAppendAction())
                .isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
        assertThat(route.getRequestHeadersToRemoveList()).containsExactly("x-debug");
        assertThat(route.getResponseHeadersToAdd(0).getAppendAction())
                .isEqualTo(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
        assertThat(cluster.getRequestHeadersToAddList()).isEqualTo(route.getRequestHeadersToAddList());
        assertThat(cluster.getResponseHeadersToAddList()).isEqualTo(route.getResponseHeadersToAddList());
        assertThat(cluster.getRequestHeadersToRemoveList()).containsExactly("x-debug");
    }

    private static RouteAction mirrors(HTTPRoute.Builder route) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster("outbound|9080||reviews");
        RouteActions.applyMirrors(action, route.build(), destination -> "outbound|9080||" + destination.getHost());
        return action.build();
    }

    @Test
    void mirrorsAreRequestMirrorPoliciesWithIstiosPercentages() {
        Destination shadow = Destination.newBuilder().setHost("shadow").build();

        RouteAction whole = mirrors(HTTPRoute.newBuilder().setMirror(shadow));
        RouteAction share = mirrors(HTTPRoute.newBuilder().setMirror(shadow)
                .setMirrorPercentage(Percent.newBuilder().setValue(12.5)));
        RouteAction legacy = mirrors(HTTPRoute.newBuilder().setMirror(shadow).setMirrorPercent(UInt32Value.of(30)));
        RouteAction off = mirrors(HTTPRoute.newBuilder().setMirror(shadow)
                .setMirrorPercentage(Percent.getDefaultInstance()));
        RouteAction several = mirrors(HTTPRoute.newBuilder()
                .addMirrors(HTTPMirrorPolicy.newBuilder().setDestination(shadow))
                .addMirrors(HTTPMirrorPolicy.newBuilder().setDestination(Destination.newBuilder().setHost("audit"))
                        .setPercentage(Percent.newBuilder().setValue(50)))
                .addMirrors(HTTPMirrorPolicy.newBuilder().setDestination(Destination.newBuilder().setHost("none"))
                        .setPercentage(Percent.getDefaultInstance())));

        assertThat(whole.getRequestMirrorPolicies(0).getCluster()).isEqualTo("outbound|9080||shadow");
        assertThat(whole.getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue())
                .isEqualTo(FractionalPercent.newBuilder().setNumerator(100)
                        .setDenominator(FractionalPercent.DenominatorType.HUNDRED).build());
        assertThat(whole.getRequestMirrorPolicies(0).getTraceSampled().getValue()).isFalse();
        assertThat(share.getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue())
                .isEqualTo(FractionalPercent.newBuilder().setNumerator(125_000)
                        .setDenominator(FractionalPercent.DenominatorType.MILLION).build());
        assertThat(legacy.getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue().getNumerator())
                .isEqualTo(30);
        assertThat(off.getRequestMirrorPoliciesCount()).isZero();
        assertThat(several.getRequestMirrorPoliciesList()).extracting(RouteAction.RequestMirrorPolicy::getCluster)
                .containsExactly("outbound|9080||shadow", "outbound|9080||audit");
    }
}
