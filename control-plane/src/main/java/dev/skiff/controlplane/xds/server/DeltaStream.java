package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An incremental ADS stream ({@code DeltaAggregatedResources}). */
final class DeltaStream extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    private final Map<String, TypeState> types = new HashMap<>();

    DeltaStream(AdsService service, StreamObserver<DeltaDiscoveryResponse> responseObserver) {
        super(service, responseObserver);
    }

    /** Per-type protocol state of this stream. */
    private static final class TypeState {
        final String typeUrl;
        boolean wildcard;
        final Set<String> names = new HashSet<>();
        /** Name to version of every resource the client holds, as far as this server knows. */
        final Map<String, String> clientVersions = new HashMap<>();
        /** The resources this stream gave the client that it still holds, for the config dump. */
        final Map<String, XdsResource> held = new LinkedHashMap<>();
        /** Names the next response must mention whatever their version: newly (re)subscribed names. */
        final Set<String> mustAnswer = new HashSet<>();
        /** The client re-subscribed to the wildcard: the next response resends everything in scope. */
        boolean answerAll;
        String nonce;
        String version;

        TypeState(String typeUrl) {
            this.typeUrl = typeUrl;
        }

        Subscription subscription() {
            return new Subscription(wildcard, names);
        }
    }

    @Override
    ProxyStatus.Protocol protocol() {
        return ProxyStatus.Protocol.DELTA;
    }

    @Override
    boolean hasNode(DeltaDiscoveryRequest request) {
        return request.hasNode();
    }

    @Override
    Node node(DeltaDiscoveryRequest request) {
        return request.getNode();
    }

    @Override
    void onRequest(DeltaDiscoveryRequest request) {
        String typeUrl = request.getTypeUrl();
        if (!served(typeUrl)) {
            return;
        }
        TypeState state = types.get(typeUrl);
        boolean first = state == null;
        if (first) {
            state = new TypeState(typeUrl);
            types.put(typeUrl, state);
            state.wildcard = Subscription.allowsWildcard(typeUrl)
                    && request.getResourceNamesSubscribeCount() == 0
                    && request.getResourceNamesUnsubscribeCount() == 0;
            state.clientVersions.putAll(request.getInitialResourceVersionsMap());
        }
        String nonce = request.getResponseNonce();
        if (!nonce.isEmpty()) {
            if (nonce.equals(state.nonce)) {
                if (request.hasErrorDetail()) {
                    recordNack(typeUrl, new Nack(state.version, nonce, request.getErrorDetail().getMessage(),
                            service.clock().instant()), request.getErrorDetail().getCode());
                } else {
                    recordAck(typeUrl, state.version, nonce);
                }
            } else {
                recordExpiredNonce(typeUrl);
                log.debug("xDS stream {}: {} request with stale nonce '{}' (latest sent '{}'): not an ACK/NACK",
                        connection.id(), shortName(typeUrl), nonce, state.nonce);
            }
        }
        boolean subscribed = subscribe(state, request.getResourceNamesSubscribeList(), first);
        int heldBefore = state.held.size();
        boolean unsubscribed = unsubscribe(state, request.getResourceNamesUnsubscribeList());
        if (first || subscribed || unsubscribed) {
            respond(state, first);
        } else if (state.held.size() != heldBefore) {
            connection.update(connection.type(typeUrl).withResources(List.copyOf(state.held.values())));
        }
    }

    /** @return whether the next response has something to answer */
    private static boolean subscribe(TypeState state, List<String> names, boolean first) {
        boolean changed = false;
        for (String name : names) {
            if (Subscription.WILDCARD.equals(name) && Subscription.allowsWildcard(state.typeUrl)) {
                state.wildcard = true;
                state.answerAll = !first;
                changed = true;
            } else {
                state.names.add(name);
                if (!first || !state.clientVersions.containsKey(name)) {
                    state.mustAnswer.add(name);
                }
                changed = true;
            }
        }
        return changed;
    }

    /** @return whether the next response has something to answer */
    private static boolean unsubscribe(TypeState state, List<String> names) {
        boolean answer = false;
        for (String name : names) {
            if (Subscription.WILDCARD.equals(name) && Subscription.allowsWildcard(state.typeUrl)) {
                if (state.wildcard) {
                    state.wildcard = false;
                    forgetAllBut(state, state.names);
                }
            } else if (state.names.remove(name)) {
                state.mustAnswer.remove(name);
                if (state.wildcard) {
                    // The client cannot know whether the wildcard still covers the name: say it either way.
                    state.mustAnswer.add(name);
                    answer = true;
                } else {
                    state.clientVersions.remove(name);
                    state.held.remove(name);
                }
            }
        }
        return answer;
    }

    private static void forgetAllBut(TypeState state, Set<String> keep) {
        state.clientVersions.keySet().retainAll(keep);
        state.held.keySet().retainAll(keep);
        state.mustAnswer.retainAll(keep);
    }

    @Override
    void push() {
        for (String typeUrl : TypeUrls.PUSH_ORDER) {
            TypeState state = types.get(typeUrl);
            if (state == null) {
                continue;
            }
            if (!respond(state, false)) {
                return;
            }
        }
    }

    /**
     * Sends what changed for the type since the client's known versions: resources whose version differs (or that
     * must be answered) and the names of resources that are gone or do not exist.
     *
     * @param always send even if nothing changed (the first response for a type)
     * @return false if nothing could be computed or sent (later types of a push must wait)
     */
    private boolean respond(TypeState state, boolean always) {
        Subscription subscription = state.subscription();
        if (subscription.isEmpty()) {
            state.clientVersions.clear();
            state.held.clear();
            state.mustAnswer.clear();
            return true;
        }
        long startedAt = now();
        Map<String, XdsResource> current = resolve(state.typeUrl, subscription);
        if (current == null) {
            return false;
        }
        List<XdsResource> updated = new ArrayList<>();
        for (XdsResource resource : current.values()) {
            if (state.answerAll || state.mustAnswer.contains(resource.name())
                    || !resource.version().equals(state.clientVersions.get(resource.name()))) {
                updated.add(resource);
            }
        }
        Set<String> removed = new LinkedHashSet<>();
        for (String name : state.clientVersions.keySet()) {
            if (!current.containsKey(name)) {
                removed.add(name);
            }
        }
        for (String name : state.mustAnswer) {
            if (!current.containsKey(name)) {
                removed.add(name);
            }
        }
        if (!always && updated.isEmpty() && removed.isEmpty()) {
            return true;
        }
        for (XdsResource resource : updated) {
            state.held.put(resource.name(), resource);
        }
        state.held.keySet().removeAll(removed);
        String version = Versions.of(state.held.values());
        String nonce = nextNonce();
        DeltaDiscoveryResponse.Builder response = DeltaDiscoveryResponse.newBuilder()
                .setTypeUrl(state.typeUrl)
                .setSystemVersionInfo(version)
                .setNonce(nonce)
                .addAllRemovedResources(removed);
        for (XdsResource resource : updated) {
            response.addResources(Resource.newBuilder()
                    .setName(resource.name())
                    .setVersion(resource.version())
                    .setResource(resource.body()));
        }
        for (XdsResource resource : updated) {
            state.clientVersions.put(resource.name(), resource.version());
        }
        state.clientVersions.keySet().removeAll(removed);
        state.mustAnswer.clear();
        state.answerAll = false;
        state.nonce = nonce;
        state.version = version;
        connection.update(connection.type(state.typeUrl).withSent(version, nonce, List.copyOf(state.held.values())));
        log.debug("xDS stream {}: sending {} version {} ({} updated, {} removed, nonce {})", connection.id(),
                shortName(state.typeUrl), version, updated.size(), removed.size(), nonce);
        return send(response.build(), state.typeUrl, startedAt);
    }
}
