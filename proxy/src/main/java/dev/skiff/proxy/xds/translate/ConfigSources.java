package dev.skiff.proxy.xds.translate;

import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;

import java.util.Set;

/** The proxy fetches every dependent resource over its one ADS stream, so config sources must say so. */
final class ConfigSources {
    private static final Set<String> FIELDS = Set.of("ads", "self", "resource_api_version");
    private static final Set<String> IGNORED = Set.of("initial_fetch_timeout");

    private ConfigSources() {
    }

    static void requireAds(ConfigSource source, String where) throws TranslationException {
        if (source.getConfigSourceSpecifierCase() != ConfigSource.ConfigSourceSpecifierCase.ADS
                && source.getConfigSourceSpecifierCase() != ConfigSource.ConfigSourceSpecifierCase.SELF) {
            throw new TranslationException(where + ": config source " + Messages.lower(source.getConfigSourceSpecifierCase()) + " unsupported (expected: ads)");
        }
        Messages.requireOnly(source, where, FIELDS, IGNORED);
        if (source.getResourceApiVersion() != ApiVersion.V3 && source.getResourceApiVersion() != ApiVersion.AUTO) {
            throw new TranslationException(where + ": resource_api_version " + source.getResourceApiVersion()
                    + " (expected: V3)");
        }
    }
}
