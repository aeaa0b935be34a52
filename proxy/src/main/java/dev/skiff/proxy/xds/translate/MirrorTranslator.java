package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.MirrorPolicy;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A route action's {@code request_mirror_policies}: a named cluster, the share of requests from the runtime
 * fraction's default (100% without one), and whether the copy's host keeps Envoy's {@code -shadow} suffix. Trace
 * sampling of copies is accepted (Skiff's copies carry the trace headers of the request as they are); mirrors
 * to a cluster named by a header are refused.
 */
final class MirrorTranslator {
    static final String FIELD = "request_mirror_policies";

    private static final Set<String> POLICY_FIELDS = Set.of("cluster", "runtime_fraction", "trace_sampled",
            "disable_shadow_host_suffix_append");
    private static final Set<String> FRACTION_FIELDS = Set.of("default_value");

    private MirrorTranslator() {
    }

    static List<MirrorPolicy> translate(List<RequestMirrorPolicy> policies, String parent)
            throws TranslationException {
        List<MirrorPolicy> mirrors = new ArrayList<>(policies.size());
        for (int i = 0; i < policies.size(); i++) {
            RequestMirrorPolicy policy = policies.get(i);
            String where = parent + ": " + FIELD + "[" + i + "]";
            Messages.requireOnly(policy, where, POLICY_FIELDS, Set.of());
            if (policy.getCluster().isEmpty()) {
                throw new TranslationException(where + ": cluster is empty (expected: a cluster name)");
            }
            int share = MirrorPolicy.MILLION;
            if (policy.hasRuntimeFraction()) {
                RuntimeFractionalPercent fraction = policy.getRuntimeFraction();
                Messages.requireOnly(fraction, where + ": runtime_fraction", FRACTION_FIELDS, Set.of("runtime_key"));
                share = HttpFilterTranslator.perMillion(fraction.getDefaultValue(),
                        where + ": runtime_fraction: default_value");
            }
            int perMillion = share;
            mirrors.add(Messages.build(where, () -> new MirrorPolicy(policy.getCluster(), perMillion,
                    !policy.getDisableShadowHostSuffixAppend())));
        }
        return mirrors;
    }
}
