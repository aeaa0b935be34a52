package dev.skiff.controlplane.config;

import dev.skiff.api.networking.v1alpha3.CorsPolicy;
import dev.skiff.api.networking.v1alpha3.Delegate;
import dev.skiff.api.networking.v1alpha3.Destination;
import dev.skiff.api.networking.v1alpha3.HTTPDirectResponse;
import dev.skiff.api.networking.v1alpha3.HTTPFaultInjection;
import dev.skiff.api.networking.v1alpha3.HTTPMatchRequest;
import dev.skiff.api.networking.v1alpha3.HTTPRedirect;
import dev.skiff.api.networking.v1alpha3.HTTPRetry;
import dev.skiff.api.networking.v1alpha3.HTTPRewrite;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.Headers;
import dev.skiff.api.networking.v1alpha3.L4MatchAttributes;
import dev.skiff.api.networking.v1alpha3.RouteDestination;
import dev.skiff.api.networking.v1alpha3.StringMatch;
import dev.skiff.api.networking.v1alpha3.TCPRoute;
import dev.skiff.api.networking.v1alpha3.TLSMatchAttributes;
import dev.skiff.api.networking.v1alpha3.TLSRoute;
import dev.skiff.api.networking.v1alpha3.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The checks Istio's validation webhook makes on a VirtualService. */
final class VirtualServiceValidator {
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);
    private static final Set<String> RETRY_CONDITIONS = Set.of(
            "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
            "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
            "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
            "unavailable");

    private static final String MESH_GATEWAY = "mesh";
    private static final List<String> HTTP_METHODS = List.of(
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE");

    private VirtualServiceValidator() {
    }

    static void validate(VirtualService spec, FieldProblems problems) {
        if (spec.getHostsCount() == 0) {
            problems.add("spec.hosts", "at least one host is required");
        }
        boolean appliesToMesh = spec.getGatewaysCount() == 0 || spec.getGatewaysList().contains(MESH_GATEWAY);
        boolean allHostsValid = true;
        for (int i = 0; i < spec.getHostsCount(); i++) {
            String path = "spec.hosts[" + i + "]";
            if (!Checks.host(problems, path, spec.getHosts(i), Checks.Wildcards.ANY)) {
                allHostsValid = false;
            } else if (appliesToMesh && spec.getHosts(i).equals("*")) {
                problems.add(path, "\"*\" cannot be used for the mesh (expected: a host name or a wildcard such as "
                        + "*.example.com, or \"*\" with gateways that do not include mesh)");
                allHostsValid = false;
            }
        }
        if (allHostsValid) {
            duplicateHosts(problems, spec.getHostsList());
        }
        gateways(problems, "spec.gateways", spec.getGatewaysList());
        Checks.exportTo(problems, "spec.exportTo", spec.getExportToList(), false);
        if (spec.getHttpCount() == 0 && spec.getTcpCount() == 0 && spec.getTlsCount() == 0) {
            problems.add("spec", "no routes (expected: at least one of http, tcp or tls)");
        }
        for (int i = 0; i < spec.getHttpCount(); i++) {
            httpRoute(problems, "spec.http[" + i + "]", spec.getHttp(i));
        }
        for (int i = 0; i < spec.getTcpCount(); i++) {
            tcpRoute(problems, "spec.tcp[" + i + "]", spec.getTcp(i));
        }
        for (int i = 0; i < spec.getTlsCount(); i++) {
            tlsRoute(problems, "spec.tls[" + i + "]", spec.getTls(i), spec.getHostsList());
        }
    }

    /** Two hosts of one VirtualService must not overlap, literally or through a wildcard. */
    private static void duplicateHosts(FieldProblems problems, List<String> hosts) {
        for (int i = 0; i < hosts.size(); i++) {
            for (int j = i + 1; j < hosts.size(); j++) {
                String a = hosts.get(i).toLowerCase(Locale.ROOT);
                String b = hosts.get(j).toLowerCase(Locale.ROOT);
                if (Checks.covers(a, b) || Checks.covers(b, a)) {
                    problems.add("spec.hosts[" + j + "]", "\"" + hosts.get(j) + "\" overlaps spec.hosts[" + i
                            + "] \"" + hosts.get(i) + "\" (expected: each host once)");
                }
            }
        }
    }

    /** Gateway references: {@code mesh}, {@code namespace/name}, or (the older form) a gateway's FQDN. */
    private static void gateways(FieldProblems problems, String path, List<String> gateways) {
        for (int i = 0; i < gateways.size(); i++) {
            String gateway = gateways.get(i);
            if (gateway.equals(MESH_GATEWAY)) {
                continue;
            }
            int slash = gateway.indexOf('/');
            boolean valid = slash < 0 ? Checks.isHostName(gateway)
                    : Checks.isDns1123Label(gateway.substring(0, slash))
                            && Checks.isDns1123Label(gateway.substring(slash + 1));
            if (!valid) {
                problems.add(path + "[" + i + "]", "\"" + gateway + "\" is not a gateway reference (expected: mesh, "
                        + "namespace/name or the gateway's host name)");
            }
        }
    }

    private static void httpRoute(FieldProblems problems, String path, HTTPRoute route) {
        for (int j = 0; j < route.getMatchCount(); j++) {
            match(problems, path + ".match[" + j + "]", route.getMatch(j));
        }
        List<String> actions = new ArrayList<>();
        if (route.getRouteCount() > 0) {
            actions.add("route");
        }
        if (route.hasRedirect()) {
            actions.add("redirect");
        }
        if (route.hasDirectResponse()) {
            actions.add("directResponse");
        }
        if (route.hasDelegate()) {
            actions.add("delegate");
        }
        if (actions.isEmpty()) {
            problems.add(path, "no action (expected one of: route, redirect, directResponse, delegate)");
        } else if (actions.size() > 1) {
            problems.add(path, String.join(" and ", actions) + (actions.size() == 2 ? " are both set" : " are all set")
                    + " (expected only one of: route, redirect, directResponse, delegate)");
        }
        long weightSum = 0;
        for (int k = 0; k < route.getRouteCount(); k++) {
            HTTPRouteDestination destination = route.getRoute(k);
            String destinationPath = path + ".route[" + k + "]";
            destinationRequired(problems, destinationPath, destination.hasDestination(),
                    destination.getDestination());
            weight(problems, destinationPath + ".weight", destination.getWeight());
            weightSum += destination.getWeight();
            if (destination.hasHeaders()) {
                headerOperations(problems, destinationPath + ".headers.request", destination.getHeaders().getRequest());
                headerOperations(problems, destinationPath + ".headers.response",
                        destination.getHeaders().getResponse());
            }
        }
        weights(problems, path + ".route", route.getRouteCount(), weightSum);
        if (route.hasRedirect()) {
            redirect(problems, path + ".redirect", route.getRedirect());
            if (route.hasRewrite()) {
                problems.add(path + ".rewrite", "cannot be used together with redirect");
            }
            if (route.hasFault()) {
                problems.add(path + ".fault", "cannot be used together with redirect");
            }
        }
        if (route.hasHeaders()) {
            headerOperations(problems, path + ".headers.request", route.getHeaders().getRequest());
            headerOperations(problems, path + ".headers.response", route.getHeaders().getResponse());
        }
        if (route.hasDirectResponse()) {
            directResponse(problems, path + ".directResponse", route.getDirectResponse());
        }
        if (route.hasDelegate()) {
            delegate(problems, path + ".delegate", route.getDelegate());
        }
        if (route.hasRewrite()) {
            rewrite(problems, path + ".rewrite", route.getRewrite());
        }
        Checks.positive(problems, path + ".timeout", route.hasTimeout(), route.getTimeout());
        if (route.hasRetries()) {
            retries(problems, path + ".retries", route.getRetries());
        }
        if (route.hasFault()) {
            fault(problems, path + ".fault", route.getFault());
        }
        mirrors(problems, path, route);
        if (route.hasCorsPolicy()) {
            cors(problems, path + ".corsPolicy", route.getCorsPolicy());
        }
    }

    private static void headerOperations(FieldProblems problems, String path, Headers.HeaderOperations operations) {
        for (String name : operations.getSetMap().keySet()) {
            headerName(problems, path + ".set[" + name + "]", name);
        }
        for (String name : operations.getAddMap().keySet()) {
            headerName(problems, path + ".add[" + name + "]", name);
        }
        for (int i = 0; i < operations.getRemoveCount(); i++) {
            headerName(problems, path + ".remove[" + i + "]", operations.getRemove(i));
        }
    }

    private static void headerName(FieldProblems problems, String path, String name) {
        if (!Checks.isHeaderName(name)) {
            problems.add(path, "\"" + name + "\" is not a valid header name (expected: letters, digits and "
                    + "!#$%&'*+-.^_`|~)");
        }
    }

    private static void match(FieldProblems problems, String path, HTTPMatchRequest match) {
        stringMatch(problems, path + ".uri", match.hasUri(), match.getUri());
        stringMatch(problems, path + ".scheme", match.hasScheme(), match.getScheme());
        stringMatch(problems, path + ".method", match.hasMethod(), match.getMethod());
        stringMatch(problems, path + ".authority", match.hasAuthority(), match.getAuthority());
        headerMatches(problems, path + ".headers", match.getHeadersMap());
        headerMatches(problems, path + ".withoutHeaders", match.getWithoutHeadersMap());
        for (Map.Entry<String, StringMatch> param : match.getQueryParamsMap().entrySet()) {
            stringMatch(problems, path + ".queryParams[" + param.getKey() + "]", true, param.getValue());
        }
        Checks.optionalPort(problems, path + ".port", match.getPort());
        Checks.labels(problems, path + ".sourceLabels", match.getSourceLabelsMap());
        gateways(problems, path + ".gateways", match.getGatewaysList());
        if (!match.getSourceNamespace().isEmpty() && !Checks.isDns1123Label(match.getSourceNamespace())) {
            problems.add(path + ".sourceNamespace", "\"" + match.getSourceNamespace()
                    + "\" is not a valid namespace name");
        }
    }

    private static void headerMatches(FieldProblems problems, String path, Map<String, StringMatch> headers) {
        for (Map.Entry<String, StringMatch> header : headers.entrySet()) {
            String headerPath = path + "[" + header.getKey() + "]";
            String name = header.getKey();
            headerName(problems, headerPath, name);
            stringMatch(problems, headerPath, true, header.getValue());
        }
    }

    private static void stringMatch(FieldProblems problems, String path, boolean present, StringMatch match) {
        if (present && match.getMatchTypeCase() == StringMatch.MatchTypeCase.REGEX) {
            Checks.regex(problems, path + ".regex", match.getRegex());
        }
    }

    static void destinationRequired(FieldProblems problems, String path, boolean present, Destination destination) {
        if (!present) {
            problems.add(path + ".destination", "required");
            return;
        }
        destination(problems, path + ".destination", destination);
    }

    static void destination(FieldProblems problems, String path, Destination destination) {
        Checks.host(problems, path + ".host", destination.getHost(), Checks.Wildcards.PREFIXED);
        if (!destination.getSubset().isEmpty() && !Checks.isDns1123Label(destination.getSubset())) {
            problems.add(path + ".subset", "\"" + destination.getSubset()
                    + "\" is not a valid subset name (expected: a DNS-1123 label)");
        }
        if (destination.hasPort()) {
            Checks.port(problems, path + ".port.number", destination.getPort().getNumber());
        }
    }

    private static void weight(FieldProblems problems, String path, int weight) {
        if (weight < 0 || weight > 100) {
            problems.add(path, weight + " (expected: a weight from 0 to 100)");
        }
    }

    /** A single destination takes all traffic whatever its weight; several must have weights adding up to 100. */
    private static void weights(FieldProblems problems, String path, int destinations, long sum) {
        if (destinations > 1 && sum != 100) {
            problems.add(path, "weights add up to " + sum + " (expected: 100)");
        }
    }

    private static void redirect(FieldProblems problems, String path, HTTPRedirect redirect) {
        int code = redirect.getRedirectCode();
        if (code != 0 && !REDIRECT_CODES.contains(code)) {
            problems.add(path + ".redirectCode", Integer.toUnsignedLong(code)
                    + " is not a redirect code (expected one of: 301, 302, 303, 307, 308)");
        }
        if (redirect.getRedirectPortCase() == HTTPRedirect.RedirectPortCase.PORT) {
            Checks.port(problems, path + ".port", redirect.getPort());
        }
        if (redirect.getUri().isEmpty() && redirect.getAuthority().isEmpty() && redirect.getScheme().isEmpty()
                && redirect.getRedirectPortCase() == HTTPRedirect.RedirectPortCase.REDIRECTPORT_NOT_SET) {
            problems.add(path, "nothing to redirect to (expected at least one of: uri, authority, scheme, port, "
                    + "derivePort)");
        }
    }

    private static void directResponse(FieldProblems problems, String path, HTTPDirectResponse response) {
        long status = Integer.toUnsignedLong(response.getStatus());
        if (status < 200 || status > 599) {
            problems.add(path + ".status", status == 0 ? "required (expected: an HTTP status from 200 to 599)"
                    : status + " is not a valid HTTP status (expected: 200 to 599)");
        }
    }

    private static void delegate(FieldProblems problems, String path, Delegate delegate) {
        if (delegate.getName().isEmpty()) {
            problems.add(path + ".name", "required");
        } else if (!Checks.isDns1123Subdomain(delegate.getName())) {
            problems.add(path + ".name", "\"" + delegate.getName()
                    + "\" is not a valid VirtualService name (expected: a DNS-1123 subdomain)");
        }
        if (!delegate.getNamespace().isEmpty() && !Checks.isDns1123Label(delegate.getNamespace())) {
            problems.add(path + ".namespace", "\"" + delegate.getNamespace() + "\" is not a valid namespace name");
        }
    }

    private static void rewrite(FieldProblems problems, String path, HTTPRewrite rewrite) {
        if (rewrite.getUri().isEmpty() && rewrite.getAuthority().isEmpty() && !rewrite.hasUriRegexRewrite()) {
            problems.add(path, "empty rewrite (expected at least one of: uri, authority, uriRegexRewrite)");
        }
        if (rewrite.hasUriRegexRewrite()) {
            if (!rewrite.getUri().isEmpty()) {
                problems.add(path, "uri and uriRegexRewrite are both set (expected only one of them)");
            }
            Checks.regex(problems, path + ".uriRegexRewrite.match", rewrite.getUriRegexRewrite().getMatch());
        }
    }

    private static void retries(FieldProblems problems, String path, HTTPRetry retries) {
        Checks.nonNegative(problems, path + ".attempts", retries.getAttempts());
        if (retries.getAttempts() == 0 && (retries.hasPerTryTimeout() || !retries.getRetryOn().isEmpty()
                || retries.hasRetryRemoteLocalities())) {
            problems.add(path, "attempts is 0, which disables retries, yet perTryTimeout, retryOn or "
                    + "retryRemoteLocalities is set (expected: attempts > 0, or none of them)");
        }
        Checks.positive(problems, path + ".perTryTimeout", retries.hasPerTryTimeout(), retries.getPerTryTimeout());
        Checks.positive(problems, path + ".backoff", retries.hasBackoff(), retries.getBackoff());
        if (!retries.getRetryOn().isEmpty()) {
            for (String condition : retries.getRetryOn().split(",", -1)) {
                String trimmed = condition.trim();
                boolean statusCode = trimmed.matches("[1-5][0-9][0-9]");
                if (!statusCode && !RETRY_CONDITIONS.contains(trimmed)) {
                    problems.add(path + ".retryOn", "unknown retry condition \"" + trimmed + "\" (expected an HTTP "
                            + "status code or one of: " + String.join(", ", RETRY_CONDITIONS.stream().sorted()
                                    .toList()) + ")");
                }
            }
        }
    }

    /** Deprecated Istio fields are still accepted, so they are still checked. */
    @SuppressWarnings("deprecation")
    private static void fault(FieldProblems problems, String path, HTTPFaultInjection fault) {
        if (!fault.hasDelay() && !fault.hasAbort()) {
            problems.add(path, "empty fault (expected: delay, abort or both)");
        }
        if (fault.hasDelay()) {
            HTTPFaultInjection.Delay delay = fault.getDelay();
            String delayPath = path + ".delay";
            switch (delay.getHttpDelayTypeCase()) {
                case FIXED_DELAY -> Checks.positive(problems, delayPath + ".fixedDelay", true, delay.getFixedDelay());
                case EXPONENTIAL_DELAY -> problems.add(delayPath + ".exponentialDelay",
                        "not supported (expected: fixedDelay)");
                case HTTPDELAYTYPE_NOT_SET -> problems.add(delayPath + ".fixedDelay", "required");
            }
            if (delay.getPercent() != 0) {
                Checks.percentage(problems, delayPath + ".percent", delay.getPercent());
            }
            if (delay.hasPercentage()) {
                Checks.percentage(problems, delayPath + ".percentage.value", delay.getPercentage().getValue());
            }
        }
        if (fault.hasAbort()) {
            HTTPFaultInjection.Abort abort = fault.getAbort();
            String abortPath = path + ".abort";
            switch (abort.getErrorTypeCase()) {
                case HTTP_STATUS -> {
                    int status = abort.getHttpStatus();
                    if (status < 200 || status > 599) {
                        problems.add(abortPath + ".httpStatus", status
                                + " is not a valid HTTP status (expected: 200 to 599)");
                    }
                }
                case GRPC_STATUS, HTTP2_ERROR -> {
                }
                case ERRORTYPE_NOT_SET -> problems.add(abortPath, "no error (expected one of: httpStatus, "
                        + "grpcStatus, http2Error)");
            }
            if (abort.hasPercentage()) {
                Checks.percentage(problems, abortPath + ".percentage.value", abort.getPercentage().getValue());
            }
        }
    }

    /** Deprecated Istio fields are still accepted, so they are still checked. */
    @SuppressWarnings("deprecation")
    private static void mirrors(FieldProblems problems, String path, HTTPRoute route) {
        if (route.hasMirror()) {
            destination(problems, path + ".mirror", route.getMirror());
            if (route.getMirrorsCount() > 0) {
                problems.add(path, "mirror and mirrors are both set (expected only one of them)");
            }
        }
        if (route.hasMirrorPercent() && Integer.toUnsignedLong(route.getMirrorPercent().getValue()) > 100) {
            problems.add(path + ".mirrorPercent", Integer.toUnsignedLong(route.getMirrorPercent().getValue())
                    + " (expected: a percentage from 0 to 100)");
        }
        if (route.hasMirrorPercentage()) {
            Checks.percentage(problems, path + ".mirrorPercentage.value", route.getMirrorPercentage().getValue());
        }
        for (int m = 0; m < route.getMirrorsCount(); m++) {
            String mirrorPath = path + ".mirrors[" + m + "]";
            destinationRequired(problems, mirrorPath, route.getMirrors(m).hasDestination(),
                    route.getMirrors(m).getDestination());
            if (route.getMirrors(m).hasPercentage()) {
                Checks.percentage(problems, mirrorPath + ".percentage.value",
                        route.getMirrors(m).getPercentage().getValue());
            }
        }
    }

    private static void cors(FieldProblems problems, String path, CorsPolicy cors) {
        for (int i = 0; i < cors.getAllowOriginsCount(); i++) {
            StringMatch origin = cors.getAllowOrigins(i);
            String originPath = path + ".allowOrigins[" + i + "]";
            String value = switch (origin.getMatchTypeCase()) {
                case EXACT -> origin.getExact();
                case PREFIX -> origin.getPrefix();
                case REGEX -> origin.getRegex();
                case MATCHTYPE_NOT_SET -> "";
            };
            if (value.isEmpty()) {
                problems.add(originPath, "empty origin (expected: exact, prefix or regex with a value)");
            }
            stringMatch(problems, originPath, true, origin);
        }
        for (int i = 0; i < cors.getAllowMethodsCount(); i++) {
            if (!HTTP_METHODS.contains(cors.getAllowMethods(i))) {
                problems.add(path + ".allowMethods[" + i + "]", "\"" + cors.getAllowMethods(i) + "\" is not an "
                        + "HTTP method (expected one of: " + String.join(", ", HTTP_METHODS) + ")");
            }
        }
        for (int i = 0; i < cors.getAllowHeadersCount(); i++) {
            headerName(problems, path + ".allowHeaders[" + i + "]", cors.getAllowHeaders(i));
        }
        for (int i = 0; i < cors.getExposeHeadersCount(); i++) {
            headerName(problems, path + ".exposeHeaders[" + i + "]", cors.getExposeHeaders(i));
        }
        Checks.nonNegative(problems, path + ".maxAge", cors.hasMaxAge(), cors.getMaxAge());
    }

    private static void tcpRoute(FieldProblems problems, String path, TCPRoute route) {
        for (int j = 0; j < route.getMatchCount(); j++) {
            l4Match(problems, path + ".match[" + j + "]", route.getMatch(j));
        }
        routeDestinations(problems, path, route.getRouteList());
    }

    private static void tlsRoute(FieldProblems problems, String path, TLSRoute route, List<String> hosts) {
        if (route.getMatchCount() == 0) {
            problems.add(path + ".match", "at least one match is required");
        }
        for (int j = 0; j < route.getMatchCount(); j++) {
            TLSMatchAttributes match = route.getMatch(j);
            String matchPath = path + ".match[" + j + "]";
            if (match.getSniHostsCount() == 0) {
                problems.add(matchPath + ".sniHosts", "at least one SNI host is required");
            }
            for (int h = 0; h < match.getSniHostsCount(); h++) {
                String sni = match.getSniHosts(h);
                String sniPath = matchPath + ".sniHosts[" + h + "]";
                if (Checks.host(problems, sniPath, sni, Checks.Wildcards.ANY)
                        && hosts.stream().noneMatch(host -> Checks.covers(host.toLowerCase(Locale.ROOT),
                                sni.toLowerCase(Locale.ROOT)))) {
                    problems.add(sniPath, "\"" + sni + "\" is not within the hosts of this VirtualService "
                            + "(expected: one of " + String.join(", ", hosts) + ", or a name they cover)");
                }
            }
            gateways(problems, matchPath + ".gateways", match.getGatewaysList());
            subnets(problems, matchPath + ".destinationSubnets", match.getDestinationSubnetsList());
            Checks.optionalPort(problems, matchPath + ".port", match.getPort());
        }
        routeDestinations(problems, path, route.getRouteList());
    }

    private static void l4Match(FieldProblems problems, String path, L4MatchAttributes match) {
        subnets(problems, path + ".destinationSubnets", match.getDestinationSubnetsList());
        Checks.optionalPort(problems, path + ".port", match.getPort());
        gateways(problems, path + ".gateways", match.getGatewaysList());
    }

    private static void subnets(FieldProblems problems, String path, List<String> subnets) {
        for (int i = 0; i < subnets.size(); i++) {
            if (!Checks.isIpOrCidr(subnets.get(i))) {
                problems.add(path + "[" + i + "]", "\"" + subnets.get(i)
                        + "\" is not an IP address or CIDR (expected e.g. 10.0.0.0/16)");
            }
        }
    }

    private static void routeDestinations(FieldProblems problems, String path, List<RouteDestination> routes) {
        if (routes.isEmpty()) {
            problems.add(path + ".route", "at least one destination is required");
        }
        long weightSum = 0;
        for (int k = 0; k < routes.size(); k++) {
            String destinationPath = path + ".route[" + k + "]";
            destinationRequired(problems, destinationPath, routes.get(k).hasDestination(),
                    routes.get(k).getDestination());
            weight(problems, destinationPath + ".weight", routes.get(k).getWeight());
            weightSum += routes.get(k).getWeight();
        }
        weights(problems, path + ".route", routes.size(), weightSum);
    }
}
