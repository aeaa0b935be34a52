package dev.skiff.controlplane.authz;

import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.OrMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Istio's RBAC principals for the request's JWT: metadata matchers on the payload the JWT authentication filter
 * leaves in the dynamic metadata under {@value #JWT_FILTER}, key {@value #PAYLOAD}. A request principal
 * {@code <iss>/<sub>} matches the {@code iss} and {@code sub} claims; claims, audiences ({@code aud}) and the
 * presenter ({@code azp}) match a string claim or any element of a list claim.
 */
public final class JwtMatchers {
    /** The Envoy name of the JWT authentication filter, the namespace of its dynamic metadata. */
    public static final String JWT_FILTER = "envoy.filters.http.jwt_authn";
    /** The key of the verified payload in the filter's dynamic metadata. */
    public static final String PAYLOAD = "payload";

    static final String CLAIMS_PREFIX = "request.auth.claims";

    private static final StringMatcher ANY = StringMatcher.newBuilder()
            .setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build();

    private JwtMatchers() {
    }

    /**
     * A request principal {@code <iss>/<sub>}, split at the last {@code /} (issuers are often URLs), with Istio's
     * wildcards: {@code *} any, {@code *x} a suffix, {@code x*} a prefix.
     */
    static Principal requestPrincipal(String value) {
        int slash = value.lastIndexOf('/');
        boolean split = slash >= 0;
        String issuer = split ? value.substring(0, slash) : value;
        String subject = split ? value.substring(slash + 1) : "";
        StringMatcher iss;
        StringMatcher sub;
        if (value.equals("*")) {
            iss = ANY;
            sub = ANY;
        } else if (value.startsWith("*")) {
            iss = !split ? ANY : issuer.equals("*") ? ANY : suffix(issuer.substring(1));
            sub = split ? exact(subject) : suffix(value.substring(1));
        } else if (value.endsWith("*")) {
            iss = split ? exact(issuer) : prefix(value.substring(0, value.length() - 1));
            sub = !split ? ANY : subject.equals("*") ? ANY : prefix(subject.substring(0, subject.length() - 1));
        } else {
            iss = exact(issuer);
            sub = exact(subject);
        }
        return Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                .addIds(metadata(claimMatcher(List.of("iss"), string(iss))))
                .addIds(metadata(claimMatcher(List.of("sub"), string(sub))))).build();
    }

    /**
     * A claim (a path into nested claims) that equals one of {@code values} (Istio's string matching), or is a list
     * holding such an element.
     */
    static Principal claim(List<String> claims, List<String> values) {
        List<ValueMatcher> matchers = new ArrayList<>(values.size());
        for (String value : values) {
            matchers.add(string(RbacFilterGenerator.string(value, "", false)));
        }
        ValueMatcher value = matchers.size() == 1 ? matchers.getFirst() : ValueMatcher.newBuilder()
                .setOrMatch(OrMatcher.newBuilder().addAllValueMatchers(matchers)).build();
        ValueMatcher listOrValue = ValueMatcher.newBuilder().setOrMatch(OrMatcher.newBuilder()
                .addValueMatchers(ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder().setOneOf(value)))
                .addValueMatchers(value)).build();
        return metadata(claimMatcher(claims, listOrValue));
    }

    /**
     * The claim names of {@code request.auth.claims[a]} or {@code request.auth.claims[a][b]...}; empty when the key
     * is not made of non-empty bracketed names.
     */
    public static List<String> claimPath(String key) {
        if (!key.startsWith(CLAIMS_PREFIX)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        int at = CLAIMS_PREFIX.length();
        while (at < key.length()) {
            int close = key.indexOf(']', at);
            if (key.charAt(at) != '[' || close < at + 2 || key.substring(at + 1, close).contains("[")) {
                return List.of();
            }
            names.add(key.substring(at + 1, close));
            at = close + 1;
        }
        return List.copyOf(names);
    }

    private static MetadataMatcher claimMatcher(List<String> claims, ValueMatcher value) {
        MetadataMatcher.Builder matcher = MetadataMatcher.newBuilder().setFilter(JWT_FILTER)
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(PAYLOAD));
        for (String claim : claims) {
            matcher.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(claim));
        }
        return matcher.setValue(value).build();
    }

    private static Principal metadata(MetadataMatcher matcher) {
        return Principal.newBuilder().setMetadata(matcher).build();
    }

    private static ValueMatcher string(StringMatcher matcher) {
        return ValueMatcher.newBuilder().setStringMatch(matcher).build();
    }

    private static StringMatcher exact(String value) {
        return StringMatcher.newBuilder().setExact(value).build();
    }

    private static StringMatcher prefix(String value) {
        return StringMatcher.newBuilder().setPrefix(value).build();
    }

    private static StringMatcher suffix(String value) {
        return StringMatcher.newBuilder().setSuffix(value).build();
    }
}
