package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** A state-of-the-world ADS stream ({@code StreamAggregatedResources}). */
final class SotwStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
    private final Map<String, TypeState> types = new HashMap<>();

    SotwStream(AdsService service, StreamObserver<DiscoveryResponse> responseObserver) {
        super(service, responseObserver);
    }

    /** Per-type protocol state of this stream. */
    private static final class TypeState {
        final String typeUrl;
        /** Whether the client ever named a resource (after which an empty list no longer means wildcard). */
        boolean explicitEver;
        Subscription subscription = Subscription.NONE;
        /** The names of the last request, which an ACK repeats: the same list again changes nothing. */
        List<String> requested = List.of();
        /** The part of the current subscription that the last response answered. */
        Subscription covered = Subscription.NONE;
        Map<String, XdsResource> sent = Map.of();
        String nonce;
        String version;

        TypeState(String typeUrl) {
            this.typeUrl = typeUrl;
        }
    }

    @Override
    ProxyStatus.Protocol protocol() {
        return ProxyStatus.Protocol.STATE_OF_THE_WORLD;
    }

    @Override
    boolean hasNode(DiscoveryRequest request) {
        return request.hasNode();
    }

    @Override
    Node node(DiscoveryRequest request) {
        return request.getNode();
    }

    @Override
    void onRequest(DiscoveryRequest request) {
        String typeUrl = request.getTypeUrl();
        if (!served(typeUrl)) {
            return;
        }
        TypeState state = types.computeIfAbsent(typeUrl, TypeState::new);
        updateSubscription(state, request.getResourceNamesList());
        String nonce = request.getResponseNonce();
        if (state.nonce != null && !state.nonce.equals(nonce)) {
            recordExpiredNonce(typeUrl);
            log.debug("xDS stream {}: {} request with stale nonce '{}' (latest sent '{}'): subscription noted, "
                    + "no response", connection.id(), shortName(typeUrl), nonce, state.nonce);
            return;
        }
        if (state.nonce != null) {
            if (request.hasErrorDetail()) {
                recordNack(typeUrl, new Nack(state.version, nonce, request.getErrorDetail().getMessage(),
                        service.clock().instant()), request.getErrorDetail().getCode());
            } else {
                recordAck(typeUrl, request.getVersionInfo(), nonce);
            }
        }
        if (state.subscription.exceeds(state.covered)) {
            respond(state, true);
        }
    }

    private static void updateSubscription(TypeState state, List<String> requested) {
        if (requested.equals(state.requested) && (state.explicitEver || !requested.isEmpty())) {
            return;
        }
        state.requested = requested;
        Subscription next;
        if (requested.isEmpty()) {
            boolean legacyWildcard = !state.explicitEver && Subscription.allowsWildcard(state.typeUrl);
            next = legacyWildcard ? new Subscription(true, Set.of()) : Subscription.NONE;
        } else {
            state.explicitEver = true;
            boolean wildcard = Subscription.allowsWildcard(state.typeUrl) && requested.contains(Subscription.WILDCARD);
            Set<String> names = new HashSet<>(requested);
            if (wildcard) {
                names.remove(Subscription.WILDCARD);
            }
            next = new Subscription(wildcard, names);
        }
        state.covered = state.covered.retainedBy(next);
        state.subscription = next;
        if (!next.wildcard() && !next.names().containsAll(state.sent.keySet())) {
            Map<String, XdsResource> kept = new LinkedHashMap<>(state.sent);
            kept.keySet().retainAll(next.names());
            state.sent = Collections.unmodifiableMap(kept);
        }
    }

    @Override
    void push() {
        for (String typeUrl : TypeUrls.PUSH_ORDER) {
            TypeState state = types.get(typeUrl);
            if (state == null || state.subscription.isEmpty()) {
                continue;
            }
            if (!respond(state, state.subscription.exceeds(state.covered))) {
                return;
            }
        }
    }

    /**
     * Sends the current state of the type if it differs from what was last sent, or if {@code always}.
     *
     * @return false if nothing could be computed or sent (later types of a push must wait)
     */
    private boolean respond(TypeState state, boolean always) {
        long startedAt = now();
        Map<String, XdsResource> resolved = resolve(state.typeUrl, state.subscription);
        if (resolved == null) {
            return false;
        }
        boolean stateOfTheWorld = Subscription.allowsWildcard(state.typeUrl);
        if (stateOfTheWorld && !always && sameVersions(resolved, state.sent)) {
            return true;
        }
        Collection<XdsResource> body = stateOfTheWorld ? resolved.values() : changedOrNew(resolved, state.sent);
        if (body.isEmpty() && !stateOfTheWorld) {
            state.sent = Collections.unmodifiableMap(resolved);
            state.covered = state.subscription;
            return true;
        }
        String version = Versions.of(resolved.values());
        String nonce = nextNonce();
        DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder()
                .setTypeUrl(state.typeUrl)
                .setVersionInfo(version)
                .setNonce(nonce);
        for (XdsResource resource : body) {
            response.addResources(resource.body());
        }
        state.sent = Collections.unmodifiableMap(resolved);
        state.nonce = nonce;
        state.version = version;
        state.covered = state.subscription;
        connection.update(connection.type(state.typeUrl).withSent(version, nonce, List.copyOf(resolved.values())));
        log.debug("xDS stream {}: sending {} version {} ({} of {} resources, nonce {})", connection.id(),
                shortName(state.typeUrl), version, body.size(), resolved.size(), nonce);
        return send(response.build(), state.typeUrl, startedAt);
    }

    /**
     * The resources of {@code next} that the client does not hold in that version. Route configurations and
     * endpoint assignments are not state-of-the-world types: the xDS protocol has clients keep what a response leaves
     * out (Envoy, grpc-java and Skiff's sidecar do), so a push carries only what changed or was newly asked for, as
     * Istio's incremental EDS does. Listeners and clusters always go whole: leaving one out removes it.
     */
    private static List<XdsResource> changedOrNew(Map<String, XdsResource> next, Map<String, XdsResource> sent) {
        List<XdsResource> changed = new ArrayList<>();
        for (XdsResource resource : next.values()) {
            XdsResource before = sent.get(resource.name());
            if (before == null || !Objects.equals(before.version(), resource.version())) {
                changed.add(resource);
            }
        }
        return changed;
    }

    private static boolean sameVersions(Map<String, XdsResource> next, Map<String, XdsResource> previous) {
        if (next.size() != previous.size()) {
            return false;
        }
        for (XdsResource resource : next.values()) {
            XdsResource before = previous.get(resource.name());
            if (before == null || !Objects.equals(before.version(), resource.version())) {
                return false;
            }
        }
        return true;
    }
}
