package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import dev.skiff.proxy.fallback.FallbackPolicy;
import dev.skiff.proxy.filter.ResponseFlag;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A route's fallback, as Skiff's control plane generates it: Envoy's {@code LocalReplyConfig} with one
 * {@code ResponseMapper} whose filter is a {@code response_flag_filter} naming some of UO, UH and URX, with a
 * {@code status_code}, an inline {@code body} and {@code headers_to_add} that replace the local reply's; packed in
 * the route's {@code typed_per_filter_config} under {@value FallbackPolicy#NAME}, optionally wrapped in a
 * {@code FilterConfig}. Anything else (other filters, body formats, several mappers) is rejected.
 */
final class FallbackTranslator {
    private static final Set<String> CONFIG_FIELDS = Set.of("mappers");
    private static final Set<String> MAPPER_FIELDS = Set.of("filter", "status_code", "body", "headers_to_add");
    private static final Set<String> FILTER_FIELDS = Set.of("response_flag_filter");
    private static final Set<String> FLAG_FILTER_FIELDS = Set.of("flags");
    private static final Set<String> BODY_FIELDS = Set.of("inline_string");
    private static final Set<String> FILTER_CONFIG_FIELDS = Set.of("config", "is_optional");
    private static final Set<String> HEADER_OPTION_FIELDS = Set.of("header", "append_action");
    private static final Set<String> HEADER_FIELDS = Set.of("key", "value");

    private FallbackTranslator() {
    }

    /** Translates the per-route configuration, a {@code LocalReplyConfig} itself or wrapped in a FilterConfig. */
    static FallbackPolicy policy(Any packed, String where) throws TranslationException {
        Any config = packed;
        if (packed.is(FilterConfig.class)) {
            FilterConfig wrapper = Messages.unpack(packed, FilterConfig.class, where);
            Messages.requireOnly(wrapper, where, FILTER_CONFIG_FIELDS, Set.of());
            config = wrapper.getConfig();
        }
        LocalReplyConfig localReply = Messages.unpack(config, LocalReplyConfig.class, where);
        Messages.requireOnly(localReply, where, CONFIG_FIELDS, Set.of());
        if (localReply.getMappersCount() != 1) {
            throw new TranslationException(where + ": " + localReply.getMappersCount() + " mappers (expected: one)");
        }
        return mapper(localReply.getMappers(0), where + ": mappers[0]");
    }

    private static FallbackPolicy mapper(ResponseMapper mapper, String where) throws TranslationException {
        Messages.requireOnly(mapper, where, MAPPER_FIELDS, Set.of());
        AccessLogFilter filter = mapper.getFilter();
        Messages.requireOnly(filter, where + ": filter", FILTER_FIELDS, Set.of());
        Messages.requireOnly(filter.getResponseFlagFilter(), where + ": filter: response_flag_filter",
                FLAG_FILTER_FIELDS, Set.of());
        Set<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
        for (String code : filter.getResponseFlagFilter().getFlagsList()) {
            flags.add(FallbackPolicy.ANSWERABLE.stream().filter(flag -> flag.code().equals(code)).findFirst()
                    .orElseThrow(() -> new TranslationException(where + ": filter: response_flag_filter: flag \""
                            + code + "\" unsupported (expected: UO, UH or URX)")));
        }
        if (!mapper.hasStatusCode()) {
            throw new TranslationException(where + ": no status_code (expected: the fallback's status)");
        }
        DataSource body = mapper.getBody();
        Messages.requireOnly(body, where + ": body", BODY_FIELDS, Set.of());
        List<FallbackPolicy.Header> headers = new ArrayList<>();
        for (int i = 0; i < mapper.getHeadersToAddCount(); i++) {
            String at = where + ": headers_to_add[" + i + "]";
            HeaderValueOption option = mapper.getHeadersToAdd(i);
            Messages.requireOnly(option, at, HEADER_OPTION_FIELDS, Set.of());
            if (option.getAppendAction() != HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD) {
                throw new TranslationException(at + ": append_action " + option.getAppendAction()
                        + " unsupported (expected: OVERWRITE_IF_EXISTS_OR_ADD)");
            }
            HeaderValue header = option.getHeader();
            Messages.requireOnly(header, at + ": header", HEADER_FIELDS, Set.of());
            headers.add(Messages.build(at, () -> new FallbackPolicy.Header(header.getKey(), header.getValue())));
        }
        return Messages.build(where, () -> new FallbackPolicy(flags, mapper.getStatusCode().getValue(), headers,
                body.getInlineString()));
    }
}
