package dev.skiff.proxy.authn;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One of Envoy's JWT providers as the proxy enforces it.
 *
 * @param name                  the provider's name in the filter configuration
 * @param issuer                the required {@code iss}; empty: any issuer
 * @param audiences             accepted {@code aud} values; empty: any audience
 * @param jwks                  the verification keys
 * @param forward               whether the token stays in the request; false removes its header
 * @param fromHeaders           headers the token is read from, with the prefix before it
 * @param fromParams            query parameters the token is read from
 * @param fromCookies           cookies the token is read from
 * @param forwardPayloadHeader  a header set to the verified payload (base64url JSON); empty: none
 * @param payloadInMetadata     the key of the verified payload in the dynamic metadata; empty: not kept
 * @param spaceDelimitedClaims  string claims kept in the metadata as the list of their space-separated words
 * @param claimToHeaders        headers set from claims of the verified token
 * @param clockSkewSeconds      tolerance for {@code exp} and {@code nbf}
 * @param requireExpiration     whether a token without {@code exp} is refused
 */
public record JwtProvider(String name, String issuer, List<String> audiences, JwksSource jwks, boolean forward,
        List<HeaderLocation> fromHeaders, List<String> fromParams, List<String> fromCookies,
        String forwardPayloadHeader, String payloadInMetadata, Set<String> spaceDelimitedClaims,
        List<ClaimToHeader> claimToHeaders, long clockSkewSeconds, boolean requireExpiration) {

    /** A header holding a token after a prefix such as {@code Bearer }; the name is lower case. */
    public record HeaderLocation(String name, String prefix) {
        public HeaderLocation {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(prefix, "prefix");
        }
    }

    /** A header set from a claim; the header name is lower case. */
    public record ClaimToHeader(String header, String claim) {
        public ClaimToHeader {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(claim, "claim");
        }
    }

    public JwtProvider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(jwks, "jwks");
        Objects.requireNonNull(forwardPayloadHeader, "forwardPayloadHeader");
        Objects.requireNonNull(payloadInMetadata, "payloadInMetadata");
        audiences = List.copyOf(audiences);
        fromHeaders = List.copyOf(fromHeaders);
        fromParams = List.copyOf(fromParams);
        fromCookies = List.copyOf(fromCookies);
        spaceDelimitedClaims = Set.copyOf(spaceDelimitedClaims);
        claimToHeaders = List.copyOf(claimToHeaders);
    }
}
