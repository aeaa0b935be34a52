package dev.skiff.proxy.authn;

import java.util.Map;
import java.util.Objects;

/**
 * Envoy's JWT authentication filter as the proxy enforces it: the providers and the requirement of its one rule
 * (every path).
 *
 * @param providers           by name
 * @param requirement         what a request must carry
 * @param bypassCorsPreflight whether CORS preflight requests pass unverified
 */
public record JwtAuthnSpec(Map<String, JwtProvider> providers, JwtRequirement requirement,
        boolean bypassCorsPreflight) {
    public JwtAuthnSpec {
        providers = Map.copyOf(providers);
        Objects.requireNonNull(requirement, "requirement");
    }
}
