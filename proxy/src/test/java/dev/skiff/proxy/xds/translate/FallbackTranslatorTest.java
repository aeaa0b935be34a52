package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.fallback.FallbackPolicy;
import dev.skiff.proxy.filter.ResponseFlag;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FallbackTranslatorTest {

    private static ResponseMapper.Builder mapper() {
        return ResponseMapper.newBuilder()
                .setFilter(AccessLogFilter.newBuilder().setResponseFlagFilter(ResponseFlagFilter.newBuilder()
                        .addFlags("UO").addFlags("URX")))
                .setStatusCode(UInt32Value.of(503))
                .setBody(DataSource.newBuilder().setInlineString("busy, try later"))
                .addHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("retry-after").setValue("5"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
    }

    private static Any wrapped(ResponseMapper.Builder mapper) {
        return Any.pack(FilterConfig.newBuilder().setIsOptional(true)
                .setConfig(Any.pack(LocalReplyConfig.newBuilder().addMappers(mapper).build())).build());
    }

    @Test
    void translatesTheLocalReplyMapperTheControlPlaneGenerates() throws Exception {
        FallbackPolicy policy = FallbackTranslator.policy(wrapped(mapper()), "route r");

        assertThat(policy.flags()).containsExactlyInAnyOrder(ResponseFlag.UPSTREAM_OVERFLOW,
                ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
        assertThat(policy.status()).isEqualTo(503);
        assertThat(policy.body()).isEqualTo("busy, try later");
        assertThat(policy.headers()).containsExactly(new FallbackPolicy.Header("retry-after", "5"));
        assertThat(FallbackTranslator.policy(Any.pack(LocalReplyConfig.newBuilder().addMappers(mapper()).build()),
                "route r")).isEqualTo(policy);
    }

    @Test
    void aRoutesTypedPerFilterConfigCarriesIt() throws Exception {
        Map<String, Object> perRoute = HttpFilterTranslator.perRoute(Map.of(FallbackPolicy.NAME, wrapped(mapper())),
                "route r");

        assertThat(perRoute.get(FallbackPolicy.NAME)).isInstanceOf(FallbackPolicy.class);
    }

    @Test
    void rejectsWhatItWouldNotHonour() {
        assertThatThrownBy(() -> FallbackTranslator.policy(wrapped(mapper().setFilter(AccessLogFilter.newBuilder()
                .setStatusCodeFilter(StatusCodeFilter.getDefaultInstance()))), "route r"))
                .hasMessageContaining("route r: mappers[0]: filter: status_code_filter: unsupported");
        assertThatThrownBy(() -> FallbackTranslator.policy(wrapped(mapper().setFilter(AccessLogFilter.newBuilder()
                .setResponseFlagFilter(ResponseFlagFilter.newBuilder().addFlags("UF")))), "route r"))
                .hasMessageContaining("flag \"UF\" unsupported (expected: UO, UH or URX)");
        assertThatThrownBy(() -> FallbackTranslator.policy(wrapped(mapper().clearStatusCode()), "route r"))
                .hasMessageContaining("no status_code");
        assertThatThrownBy(() -> FallbackTranslator.policy(wrapped(mapper().setBody(DataSource.newBuilder()
                .setFilename("body.json"))), "route r"))
                .hasMessageContaining("body: filename: unsupported");
        assertThatThrownBy(() -> FallbackTranslator.policy(wrapped(mapper().setHeadersToAdd(0,
                HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("a").setValue("b")))),
                "route r")).hasMessageContaining("append_action APPEND_IF_EXISTS_OR_ADD unsupported");
        assertThatThrownBy(() -> FallbackTranslator.policy(Any.pack(LocalReplyConfig.newBuilder()
                .addAllMappers(List.of(mapper().build(), mapper().build())).build()), "route r"))
                .hasMessageContaining("route r: 2 mappers (expected: one)");
    }
}
