package dev.skiff.controlplane.config;

import com.nimbusds.jose.jwk.JWKSet;
import dev.skiff.api.security.v1beta1.ClaimToHeader;
import dev.skiff.api.security.v1beta1.JWTHeader;
import dev.skiff.api.security.v1beta1.JWTRule;
import dev.skiff.api.security.v1beta1.RequestAuthentication;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Istio's webhook checks of a RequestAuthentication, and the ones that keep a rule from failing later in the
 * proxy: a selector or target references but not both; per JWT rule an issuer, keys (OpenID discovery is not
 * supported), an inline JWKS that parses as a
 * JSON Web Key Set with at least one key, a {@code jwksUri} that is an absolute http(s) URL, valid header names for
 * token locations and outputs (not pseudo-headers), non-empty parameter, cookie and claim names and a positive
 * timeout.
 */
final class RequestAuthenticationValidator {
    private RequestAuthenticationValidator() {
    }

    static void validate(RequestAuthentication spec, FieldProblems problems) {
        AuthorizationPolicyValidator.binding(problems, spec.hasSelector() ? spec.getSelector() : null,
                spec.hasTargetRef() ? spec.getTargetRef() : null, spec.getTargetRefsList());
        for (int i = 0; i < spec.getJwtRulesCount(); i++) {
            jwtRule(problems, "spec.jwtRules[" + i + "]", spec.getJwtRules(i));
        }
    }

    private static void jwtRule(FieldProblems problems, String path, JWTRule rule) {
        if (rule.getIssuer().isEmpty()) {
            problems.add(path + ".issuer", "required (expected: the iss claim of the accepted tokens)");
        }
        nonEmpty(problems, path + ".audiences", rule.getAudiencesList());
        if (rule.getJwks().isEmpty() && rule.getJwksUri().isEmpty()) {
            problems.add(path, "neither jwks nor jwksUri set (expected: one of them; discovering the keys from the"
                    + " issuer's OpenID configuration is not supported)");
        }
        if (!rule.getJwks().isEmpty()) {
            jwks(problems, path + ".jwks", rule.getJwks());
        }
        if (!rule.getJwksUri().isEmpty()) {
            jwksUri(problems, path + ".jwksUri", rule.getJwksUri());
        }
        for (int i = 0; i < rule.getFromHeadersCount(); i++) {
            JWTHeader header = rule.getFromHeaders(i);
            headerName(problems, path + ".fromHeaders[" + i + "].name", header.getName());
        }
        nonEmpty(problems, path + ".fromParams", rule.getFromParamsList());
        nonEmpty(problems, path + ".fromCookies", rule.getFromCookiesList());
        if (!rule.getOutputPayloadToHeader().isEmpty()) {
            headerName(problems, path + ".outputPayloadToHeader", rule.getOutputPayloadToHeader());
        }
        Set<String> outputs = new HashSet<>();
        for (int i = 0; i < rule.getOutputClaimToHeadersCount(); i++) {
            ClaimToHeader output = rule.getOutputClaimToHeaders(i);
            String at = path + ".outputClaimToHeaders[" + i + "]";
            if (headerName(problems, at + ".header", output.getHeader())
                    && !outputs.add(output.getHeader().toLowerCase(Locale.ROOT))) {
                problems.add(at + ".header", "\"" + output.getHeader() + "\" is set by an earlier entry (expected:"
                        + " one claim per header)");
            }
            if (output.getClaim().isEmpty()) {
                problems.add(at + ".claim", "required (expected: the name of a claim of the token)");
            }
        }
        Checks.positive(problems, path + ".timeout", rule.hasTimeout(), rule.getTimeout());
        nonEmpty(problems, path + ".spaceDelimitedClaims", rule.getSpaceDelimitedClaimsList());
    }

    private static void jwks(FieldProblems problems, String path, String jwks) {
        try {
            if (JWKSet.parse(jwks).getKeys().isEmpty()) {
                problems.add(path, "holds no key (expected: a JSON Web Key Set with at least one key)");
            }
        } catch (ParseException e) {
            problems.add(path, "is not a JSON Web Key Set: " + e.getMessage() + " (expected: {\"keys\": [...]})");
        }
    }

    private static void jwksUri(FieldProblems problems, String path, String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                problems.add(path, "\"" + value + "\" is not an http or https URL with a host (expected e.g."
                        + " https://example.com/.well-known/jwks.json)");
            }
        } catch (URISyntaxException e) {
            problems.add(path, "\"" + value + "\" is not a URL: " + e.getReason() + " (expected e.g."
                    + " https://example.com/.well-known/jwks.json)");
        }
    }

    private static boolean headerName(FieldProblems problems, String path, String name) {
        if (name.isEmpty()) {
            problems.add(path, "required (expected: a header name)");
            return false;
        }
        if (!Checks.isHeaderName(name)) {
            problems.add(path, "\"" + name + "\" is not a valid header name (expected: letters, digits and"
                    + " !#$%&'*+-.^_`|~, no pseudo-header)");
            return false;
        }
        return true;
    }

    private static void nonEmpty(FieldProblems problems, String path, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isEmpty()) {
                problems.add(path + "[" + i + "]", "empty value (expected: a non-empty string)");
            }
        }
    }
}
