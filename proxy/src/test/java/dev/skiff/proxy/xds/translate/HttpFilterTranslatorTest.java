package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.skiff.proxy.filter.FaultFilter;
import dev.skiff.proxy.model.FaultPolicy;
import dev.skiff.proxy.model.Route;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.config;
import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.prefixRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpFilterTranslatorTest {
    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String WHERE = "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080:"
            + " route r: typed_per_filter_config envoy.filters.http.fault";

    private final RouteTranslator translator = new RouteTranslator();

    private static FractionalPercent percent(int numerator, FractionalPercent.DenominatorType denominator) {
        return FractionalPercent.newBuilder().setNumerator(numerator).setDenominator(denominator).build();
    }

    private Route translate(HTTPFault fault) throws TranslationException {
        return translator.translate(config("9080", prefixRoute("/", REVIEWS).setName("r")
                .putTypedPerFilterConfig(FaultFilter.NAME, Any.pack(fault))))
                .virtualHosts().getFirst().routes().getFirst();
    }

    @Test
    void translatesIstiosFaultAsAPerRoutePolicy() throws TranslationException {
        Route route = translate(HTTPFault.newBuilder()
                .setDelay(FaultDelay.newBuilder().setFixedDelay(Duration.newBuilder().setSeconds(7))
                        .setPercentage(percent(1_000_000, FractionalPercent.DenominatorType.MILLION)))
                .setAbort(FaultAbort.newBuilder().setHttpStatus(500)
                        .setPercentage(percent(50, FractionalPercent.DenominatorType.HUNDRED)))
                .build());

        FaultPolicy fault = route.filterConfig(FaultFilter.NAME, FaultPolicy.class);
        assertThat(fault).isEqualTo(new FaultPolicy(java.time.Duration.ofSeconds(7), 1_000_000, 500, -1, 500_000));
    }

    @Test
    void translatesGrpcAbortsAndSmallShares() throws TranslationException {
        Route route = translate(HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder().setGrpcStatus(14)
                        .setPercentage(percent(1, FractionalPercent.DenominatorType.TEN_THOUSAND)))
                .build());

        assertThat(route.filterConfig(FaultFilter.NAME, FaultPolicy.class))
                .isEqualTo(new FaultPolicy(null, 0, 0, 14, 100));
    }

    @Test
    void rejectsHeaderControlledFaultsAndOtherFilters() {
        assertThatThrownBy(() -> translate(HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder().setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance()))
                .build()))
                .isInstanceOf(TranslationException.class)
                .hasMessage(WHERE + ": abort: header_abort: unsupported (expected only: grpc_status, http_status,"
                        + " percentage)");
        assertThatThrownBy(() -> translate(HTTPFault.newBuilder().setUpstreamCluster("x").build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith(WHERE + ": upstream_cluster: unsupported");
        assertThatThrownBy(() -> translator.translate(config("9080", prefixRoute("/", REVIEWS).setName("r")
                .putTypedPerFilterConfig("envoy.filters.http.other", Any.pack(HTTPFault.getDefaultInstance())))))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith("route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080:"
                        + " route r: typed_per_filter_config envoy.filters.http.other: unsupported");
    }
}
