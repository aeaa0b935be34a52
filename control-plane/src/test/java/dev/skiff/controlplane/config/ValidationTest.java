package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The semantic checks, one per Istio webhook rule, with their exact messages. */
class ValidationTest {
    private static final String VS = "vs.yaml: VirtualService default/reviews: ";
    private static final String DR = "test.yaml: DestinationRule default/test: ";
    private static final String SE = "test.yaml: ServiceEntry default/test: ";
    private static final String WE = "test.yaml: WorkloadEntry default/test: ";
    private static final String SC = "test.yaml: Sidecar default/test: ";

    @Test
    void weightsMustAddUpTo100() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews, subset: v1}
                    weight: 70
                  - destination: {host: reviews, subset: v2}
                    weight: 20
                """)).containsExactly(VS + "spec.http[0].route: weights add up to 90 (expected: 100)");
    }

    @Test
    void aSingleDestinationMayOmitItsWeight() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews}
                - route:
                  - destination: {host: reviews}
                    weight: 100
                - route:
                  - destination: {host: reviews}
                    weight: 50
                """)).isEmpty();
    }

    @Test
    void weightsArePercentages() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                tcp:
                - route:
                  - destination: {host: reviews}
                    weight: -10
                  - destination: {host: ratings}
                    weight: 110
                """)).containsExactly(
                VS + "spec.tcp[0].route[0].weight: -10 (expected: a weight from 0 to 100)",
                VS + "spec.tcp[0].route[1].weight: 110 (expected: a weight from 0 to 100)");
    }

    @Test
    void hostsAreRequiredAndMustBeValid() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: []
                http: [{route: [{destination: {host: reviews}}]}]
                """)).containsExactly(VS + "spec.hosts: at least one host is required");
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews, reviews.default.svc.cluster.local., "*.example.com", "bad_host", "a.*.com"]
                http: [{route: [{destination: {host: reviews}}]}]
                """)).containsExactly(
                VS + "spec.hosts[3]: \"bad_host\" is not a valid host name (expected: a DNS name such as "
                        + "reviews, reviews.default.svc.cluster.local or *.example.com)",
                VS + "spec.hosts[4]: \"a.*.com\" is not a valid host name (expected: a DNS name such as "
                        + "reviews, reviews.default.svc.cluster.local or *.example.com)");
    }

    @Test
    void everyRouteNeedsExactlyOneAction() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - name: nothing
                - route: [{destination: {host: reviews}}]
                  redirect: {uri: /elsewhere}
                """)).containsExactly(
                VS + "spec.http[0]: no action (expected one of: route, redirect, directResponse, delegate)",
                VS + "spec.http[1]: route and redirect are both set (expected only one of: route, redirect, "
                        + "directResponse, delegate)");
    }

    @Test
    void destinationsNeedAValidHost() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {subset: v1}
                  - weight: 0
                  - destination: {host: "*", subset: V_1, port: {number: 70000}}
                    weight: 100
                """)).containsExactly(
                VS + "spec.http[0].route[0].destination.host: required",
                VS + "spec.http[0].route[1].destination: required",
                VS + "spec.http[0].route[2].destination.host: \"*\" is not allowed here (expected: a host name "
                        + "such as reviews.default.svc.cluster.local, or a wildcard such as *.example.com)",
                VS + "spec.http[0].route[2].destination.subset: \"V_1\" is not a valid subset name (expected: "
                        + "a DNS-1123 label)",
                VS + "spec.http[0].route[2].destination.port.number: 70000 is not a valid port (expected: 1 to "
                        + "65535)");
    }

    @Test
    void regexesMustCompile() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - match:
                  - uri: {regex: "/api/(v1|v2"}
                    headers:
                      x-version: {regex: "[0-9]+"}
                  route: [{destination: {host: reviews}}]
                  rewrite:
                    uriRegexRewrite: {match: "*oops", rewrite: /x}
                """)).containsExactly(
                VS + "spec.http[0].match[0].uri.regex: invalid regular expression \"/api/(v1|v2\": Unclosed "
                        + "group near index 11",
                VS + "spec.http[0].rewrite.uriRegexRewrite.match: invalid regular expression \"*oops\": "
                        + "Dangling meta character '*' near index 0");
    }

    @Test
    void headerMatchNamesMustBeTokens() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - match:
                  - headers:
                      End-User: {exact: jason}
                      "x user": {exact: jason}
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(VS + "spec.http[0].match[0].headers[x user]: \"x user\" is not a valid "
                        + "header name (expected: letters, digits and !#$%&'*+-.^_`|~)");
    }

    @Test
    void retriesAndTimeouts() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  timeout: 0s
                  retries: {attempts: -1, perTryTimeout: -100ms, retryOn: "5xx,teapot,503"}
                """)).containsExactly(
                VS + "spec.http[0].timeout: 0s (expected: > 0)",
                VS + "spec.http[0].retries.attempts: -1 (expected: >= 0)",
                VS + "spec.http[0].retries.perTryTimeout: -100ms (expected: > 0)",
                VS + "spec.http[0].retries.retryOn: unknown retry condition \"teapot\" (expected an HTTP status "
                        + "code or one of: 5xx, cancelled, connect-failure, deadline-exceeded, envoy-ratelimited, "
                        + "gateway-error, http3-post-connect-failure, internal, refused-stream, reset, "
                        + "reset-before-request, resource-exhausted, retriable-4xx, retriable-headers, "
                        + "retriable-status-codes, unavailable)");
    }

    @Test
    void faultPercentagesAndStatuses() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  fault:
                    delay: {fixedDelay: 7s, percentage: {value: 150}}
                    abort: {httpStatus: 700, percentage: {value: -1}}
                - route: [{destination: {host: reviews}}]
                  fault: {}
                """)).containsExactly(
                VS + "spec.http[0].fault.delay.percentage.value: 150.0 (expected: a percentage from 0 to 100)",
                VS + "spec.http[0].fault.abort.httpStatus: 700 is not a valid HTTP status (expected: 200 to "
                        + "599)",
                VS + "spec.http[0].fault.abort.percentage.value: -1.0 (expected: a percentage from 0 to 100)",
                VS + "spec.http[1].fault: empty fault (expected: delay, abort or both)");
    }

    @Test
    void redirectsAndDirectResponses() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - redirect: {uri: /v2, redirectCode: 404}
                - redirect: {redirectCode: 301}
                - redirect: {authority: other, port: 0}
                - directResponse: {status: 99}
                - directResponse: {status: 503, body: {string: unavailable}}
                """)).containsExactly(
                VS + "spec.http[0].redirect.redirectCode: 404 is not a redirect code (expected one of: 301, 302, "
                        + "303, 307, 308)",
                VS + "spec.http[1].redirect: nothing to redirect to (expected at least one of: uri, authority, "
                        + "scheme, port, derivePort)",
                VS + "spec.http[2].redirect.port: required (expected: a port from 1 to 65535)",
                VS + "spec.http[3].directResponse.status: 99 is not a valid HTTP status (expected: 200 to 599)");
    }

    @Test
    void matchPortsAndMirrors() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - match: [{port: 65536}]
                  route: [{destination: {host: reviews}}]
                  mirror: {host: shadow}
                  mirrorPercentage: {value: 100.5}
                """)).containsExactly(
                VS + "spec.http[0].match[0].port: 65536 is not a valid port (expected: 1 to 65535)",
                VS + "spec.http[0].mirrorPercentage.value: 100.5 (expected: a percentage from 0 to 100)");
    }

    @Test
    void tlsRoutesNeedSniMatches() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [api.example.com]
                tls:
                - match: [{port: 443}]
                  route: [{destination: {host: api.example.com}}]
                - route: []
                """)).containsExactly(
                VS + "spec.tls[0].match[0].sniHosts: at least one SNI host is required",
                VS + "spec.tls[1].match: at least one match is required",
                VS + "spec.tls[1].route: at least one destination is required");
    }

    @Test
    void theBareWildcardHostIsOnlyForGateways() {
        String routes = "http: [{route: [{destination: {host: reviews}}]}]\n";
        assertThat(Yaml.virtualServiceErrors("hosts: [\"*\"]\n" + routes)).containsExactly(VS + "spec.hosts[0]: "
                + "\"*\" cannot be used for the mesh (expected: a host name or a wildcard such as *.example.com, or "
                + "\"*\" with gateways that do not include mesh)");
        assertThat(Yaml.virtualServiceErrors("hosts: [\"*\"]\ngateways: [istio-system/ingress]\n" + routes))
                .isEmpty();
    }

    @Test
    void hostsMustNotOverlap() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews, "*.example.com", Reviews, api.example.com]
                http: [{route: [{destination: {host: reviews}}]}]
                """)).containsExactly(
                VS + "spec.hosts[2]: \"Reviews\" overlaps spec.hosts[0] \"reviews\" (expected: each host once)",
                VS + "spec.hosts[3]: \"api.example.com\" overlaps spec.hosts[1] \"*.example.com\" (expected: each "
                        + "host once)");
    }

    @Test
    void gatewayReferences() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews.example.com]
                gateways: [mesh, istio-system/ingress, ingress.istio-system.svc.cluster.local, "bad/Gateway_1"]
                http:
                - match: [{gateways: ["/"]}]
                  route: [{destination: {host: reviews}}]
                """)).containsExactly(
                VS + "spec.gateways[3]: \"bad/Gateway_1\" is not a gateway reference (expected: mesh, "
                        + "namespace/name or the gateway's host name)",
                VS + "spec.http[0].match[0].gateways[0]: \"/\" is not a gateway reference (expected: mesh, "
                        + "namespace/name or the gateway's host name)");
    }

    @Test
    void redirectsExcludeFaultsAndRewrites() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - redirect: {uri: /v2}
                  rewrite: {uri: /v3}
                  fault: {abort: {httpStatus: 503}}
                """)).containsExactly(
                VS + "spec.http[0].rewrite: cannot be used together with redirect",
                VS + "spec.http[0].fault: cannot be used together with redirect");
    }

    @Test
    void headerOperationsNeedValidNames() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  headers:
                    request: {set: {"x user": a}, remove: [""]}
                    response: {add: {x-served-by: skiff}}
                """)).containsExactly(
                VS + "spec.http[0].headers.request.set[x user]: \"x user\" is not a valid header name (expected: "
                        + "letters, digits and !#$%&'*+-.^_`|~)",
                VS + "spec.http[0].headers.request.remove[0]: \"\" is not a valid header name (expected: letters, "
                        + "digits and !#$%&'*+-.^_`|~)");
    }

    @Test
    void aDestinationsHeaderOperationsNeedValidNames() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews, subset: v1}
                    weight: 50
                    headers:
                      response: {set: {"x:served": v1}}
                  - destination: {host: reviews, subset: v2}
                    weight: 50
                    headers:
                      request: {add: {x-version: v2}}
                """)).containsExactly(
                VS + "spec.http[0].route[0].headers.response.set[x:served]: \"x:served\" is not a valid header name "
                        + "(expected: letters, digits and !#$%&'*+-.^_`|~)");
    }

    @Test
    void sniHostsMustBeWithinTheHosts() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: ["*.example.com"]
                tls:
                - match: [{sniHosts: [api.example.com, "*.api.example.com", other.org]}]
                  route: [{destination: {host: api.example.com}}]
                """)).containsExactly(VS + "spec.tls[0].match[0].sniHosts[2]: \"other.org\" is not within the "
                        + "hosts of this VirtualService (expected: one of *.example.com, or a name they cover)");
    }

    @Test
    void exportToValues() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http: [{route: [{destination: {host: reviews}}]}]
                exportTo: [".", "*", ".", "~"]
                """)).containsExactly(
                VS + "spec.exportTo[2]: \".\" is listed twice",
                VS + "spec.exportTo[3]: \"~\" is not valid (expected: \".\", \"*\" or a namespace name)",
                VS + "spec.exportTo: \"*\" cannot be combined with other values (expected: \"*\" alone)");
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [db.internal]
                ports: [{number: 5432, name: pg, protocol: TCP}]
                exportTo: ["~"]
                """)).isEmpty();
    }

    @Test
    void retriesAreDisabledByZeroAttempts() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 0, retryOn: 5xx}
                """)).containsExactly(VS + "spec.http[0].retries: attempts is 0, which disables retries, yet "
                        + "perTryTimeout, retryOn or retryRemoteLocalities is set (expected: attempts > 0, or none of "
                        + "them)");
    }

    @Test
    void rewritesAndCorsPolicies() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - route: [{destination: {host: reviews}}]
                  rewrite: {}
                  corsPolicy:
                    allowOrigins: [{exact: ""}, {prefix: "https://"}]
                    allowMethods: [GET, FETCH]
                    allowHeaders: ["bad header"]
                """)).containsExactly(
                VS + "spec.http[0].rewrite: empty rewrite (expected at least one of: uri, authority, "
                        + "uriRegexRewrite)",
                VS + "spec.http[0].corsPolicy.allowOrigins[0]: empty origin (expected: exact, prefix or regex with "
                        + "a value)",
                VS + "spec.http[0].corsPolicy.allowMethods[1]: \"FETCH\" is not an HTTP method (expected one of: "
                        + "GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE)",
                VS + "spec.http[0].corsPolicy.allowHeaders[0]: \"bad header\" is not a valid header name "
                        + "(expected: letters, digits and !#$%&'*+-.^_`|~)");
    }

    @Test
    void aVirtualServiceNeedsRoutes() {
        assertThat(Yaml.virtualServiceErrors("hosts: [reviews]\n"))
                .containsExactly(VS + "spec: no routes (expected: at least one of http, tcp or tls)");
    }

    @Test
    void credentialNameExcludesCertificateFiles() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  tls: {mode: SIMPLE, credentialName: reviews-ca, caCertificates: /etc/ca.pem}
                """)).containsExactly(DR + "spec.trafficPolicy.tls: credentialName and certificate files are both "
                        + "set (expected: credentialName, or clientCertificate, privateKey and caCertificates)");
    }

    @Test
    void localityDistributionWeights() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: us-west/zone1/*
                        to: {"us-west/zone1/*": 0, "us-west/zone2/*": 90}
                """)).containsExactly(
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to[us-west/zone1/*]: 0 "
                        + "(expected: a weight from 1 to 100)",
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to: weights add up to 90 "
                        + "(expected: 100)");
    }

    @Test
    void localityPatternsAndFailoverRegions() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      failover: [{from: us-west/zone1, to: "us-*"}]
                      failoverPriority: [topology.kubernetes.io/zone]
                """)).containsExactly(
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].from: \"us-west/zone1\" "
                        + "(expected: a region, without / or *)",
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].to: \"us-*\" "
                        + "(expected: a region, without / or *)",
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority[0]: topology label "
                        + "\"topology.kubernetes.io/zone\" together with failover (expected: failover or the "
                        + "topology labels, not both)");
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: "us-west/*/a"
                        to: {"us-west//b": 100}
                """)).containsExactly(
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].from: \"us-west/*/a\" is "
                        + "not a locality (expected: region, region/zone or region/zone/subzone, with at most one * "
                        + "as the last character)",
                DR + "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to[us-west//b]: "
                        + "\"us-west//b\" is not a locality (expected: region, region/zone or region/zone/subzone, "
                        + "with at most one * as the last character)");
    }

    @Test
    void hostIsRequired() {
        assertThat(Yaml.specErrors("DestinationRule", "subsets: [{name: v1, labels: {version: v1}}]\n"))
                .containsExactly(DR + "spec.host: required");
    }

    @Test
    void subsetNamesAreRequiredUniqueAndDnsLabels() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                subsets:
                - name: v1
                  labels: {version: v1}
                - labels: {version: v2}
                - name: v1
                  labels: {version: v3}
                - name: Version_4
                  labels: {version: v4}
                """)).containsExactly(
                DR + "spec.subsets[1].name: required",
                DR + "spec.subsets[2].name: duplicate subset name \"v1\" (already used by spec.subsets[0])",
                DR + "spec.subsets[3].name: \"Version_4\" is not a valid subset name (expected: a DNS-1123 label "
                        + "such as v1)");
    }

    @Test
    void consistentHashSettingsAreExclusive() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash: {httpHeaderName: x-user, useSourceIp: true}
                """)).containsExactly(DR + "spec.trafficPolicy.loadBalancer.consistentHash: httpHeaderName and "
                        + "useSourceIp are both set (expected: only one of httpHeaderName, httpCookie, "
                        + "useSourceIp, httpQueryParameterName)");
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    simple: RANDOM
                    consistentHash: {useSourceIp: true}
                """)).containsExactly(DR + "spec.trafficPolicy.loadBalancer: simple and consistentHash are both "
                        + "set (expected: only one of simple, consistentHash)");
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpCookie: {path: /}
                      minimumRingSize: 1024
                      maglev: {tableSize: 65537}
                """)).containsExactly(
                DR + "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name: required",
                DR + "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl: required (use 0s for a "
                        + "session cookie)",
                DR + "spec.trafficPolicy.loadBalancer.consistentHash: minimumRingSize and maglev are both set "
                        + "(expected only one of: minimumRingSize, ringHash, maglev)");
    }

    @Test
    void poolAndOutlierValuesMustNotBeNegative() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  connectionPool:
                    tcp: {maxConnections: -1, connectTimeout: 0s}
                    http: {http1MaxPendingRequests: -5, maxRetries: -1}
                  outlierDetection:
                    consecutiveErrors: -1
                    interval: -1s
                    maxEjectionPercent: 101
                  portLevelSettings:
                  - port: {number: 80}
                    outlierDetection: {minHealthPercent: -1}
                  - port: {number: 80}
                  - connectionPool: {}
                """)).containsExactly(
                DR + "spec.trafficPolicy.connectionPool.tcp.maxConnections: -1 (expected: >= 0)",
                DR + "spec.trafficPolicy.connectionPool.tcp.connectTimeout: 0s (expected: > 0)",
                DR + "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests: -5 (expected: >= 0)",
                DR + "spec.trafficPolicy.connectionPool.http.maxRetries: -1 (expected: >= 0)",
                DR + "spec.trafficPolicy.outlierDetection.consecutiveErrors: -1 (expected: >= 0)",
                DR + "spec.trafficPolicy.outlierDetection.interval: -1s (expected: > 0)",
                DR + "spec.trafficPolicy.outlierDetection.maxEjectionPercent: 101.0 (expected: a percentage "
                        + "from 0 to 100)",
                DR + "spec.trafficPolicy.portLevelSettings[0].outlierDetection.minHealthPercent: -1.0 (expected: "
                        + "a percentage from 0 to 100)",
                DR + "spec.trafficPolicy.portLevelSettings[1].port.number: duplicate port 80 (already used by "
                        + "spec.trafficPolicy.portLevelSettings[0])",
                DR + "spec.trafficPolicy.portLevelSettings[2].port: required");
    }

    @Test
    void mutualTlsNeedsCertificates() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  tls: {mode: MUTUAL, caCertificates: /etc/ca.pem}
                subsets:
                - name: v1
                  labels: {version: v1}
                  trafficPolicy:
                    tls: {mode: ISTIO_MUTUAL, privateKey: /etc/key.pem}
                """)).containsExactly(
                DR + "spec.trafficPolicy.tls.clientCertificate: required when mode is MUTUAL and no "
                        + "credentialName is set",
                DR + "spec.trafficPolicy.tls.privateKey: required when mode is MUTUAL and no credentialName is "
                        + "set",
                DR + "spec.subsets[0].trafficPolicy.tls: mode ISTIO_MUTUAL uses the mesh certificates "
                        + "(expected no clientCertificate, privateKey, caCertificates or credentialName)");
    }

    @Test
    void hostsAndPortsAreRequired() {
        assertThat(Yaml.specErrors("ServiceEntry", "resolution: DNS\n")).containsExactly(
                SE + "spec.hosts: at least one host is required",
                SE + "spec.ports: at least one port is required");
    }

    @Test
    void portNumbersAndNamesAreUniqueAndProtocolsKnown() {
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [api.example.com]
                resolution: DNS
                ports:
                - {number: 80, name: http, protocol: HTTP}
                - {number: 80, name: http, protocol: http2}
                - {number: 443, protocol: QUIC}
                - {number: 0, name: grpc, protocol: GRPC-WEB}
                """)).containsExactly(
                SE + "spec.ports[1].number: duplicate port 80 (already used by spec.ports[0])",
                SE + "spec.ports[1].name: duplicate port name \"http\" (already used by spec.ports[0])",
                SE + "spec.ports[2].name: required",
                SE + "spec.ports[2].protocol: unknown protocol \"QUIC\" (expected one of: HTTP, HTTPS, GRPC, "
                        + "GRPC-WEB, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP)",
                SE + "spec.ports[3].number: required (expected: a port from 1 to 65535)");
    }

    @Test
    void staticResolutionNeedsIpEndpoints() {
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [db.internal]
                resolution: STATIC
                ports: [{number: 5432, name: tcp, protocol: TCP}]
                endpoints:
                - address: 127.0.0.10
                - address: db-1.internal
                  ports: {postgres: 5433}
                - address: unix:///var/run/db.sock
                """)).containsExactly(
                SE + "spec.endpoints[1].address: \"db-1.internal\" is not an IP address (expected: an IP address "
                        + "or unix:// path with resolution STATIC)",
                SE + "spec.endpoints[1].ports[postgres]: no port named \"postgres\" in spec.ports");
    }

    @Test
    void severalHostsNeedPortsThatNameTheirHost() {
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [db-a.internal, db-b.internal]
                resolution: DNS
                ports: [{number: 443, name: tls, protocol: TLS}, {number: 5432, name: pg, protocol: TCP}]
                """)).containsExactly(SE + "spec.hosts: 2 hosts cannot share port 5432 of protocol TCP (expected: "
                        + "one host, HTTP or TLS ports, or resolution NONE)");
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [db-a.internal, db-b.internal]
                resolution: NONE
                ports: [{number: 5432, name: pg, protocol: TCP}, {number: 8080, name: web}]
                """)).isEmpty();
    }

    @Test
    void unixEndpointsAndCidrAddresses() {
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [local.socket]
                resolution: STATIC
                ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: admin, protocol: HTTP}]
                endpoints:
                - address: unix:///var/run/app.sock
                  ports: {http: 8080}
                """)).containsExactly(
                SE + "spec.endpoints[0].ports: a unix socket endpoint has no ports (expected: none)",
                SE + "spec.endpoints[0].address: a unix socket endpoint needs exactly one port in spec.ports (there "
                        + "are 2)");
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: ["*"]
                addresses: [10.0.0.0/8]
                resolution: DNS
                ports: [{number: 80, name: http, protocol: HTTP}]
                """)).containsExactly(
                SE + "spec.hosts[0]: \"*\" is not allowed here (expected: a host name such as reviews.default.svc."
                        + "cluster.local, or a wildcard such as *.example.com)",
                SE + "spec.addresses[0]: \"10.0.0.0/8\": a CIDR range needs resolution NONE or STATIC (resolution "
                        + "is DNS)");
    }

    @Test
    void workloadSelectorAndEndpointsAreExclusive() {
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: [db.internal]
                resolution: STATIC
                ports: [{number: 5432, name: tcp, protocol: TCP}]
                workloadSelector: {labels: {app: db}}
                endpoints: [{address: 127.0.0.10}]
                """)).containsExactly(SE + "spec: workloadSelector and endpoints are both set (expected only one "
                        + "of them)");
    }

    @Test
    void dnsResolutionCannotResolveWildcards() {
        assertThat(Yaml.specErrors("ServiceEntry", """
                hosts: ["*.example.com"]
                resolution: DNS
                addresses: [10.0.0.0/33]
                ports: [{number: 443, name: tls, protocol: TLS}]
                """)).containsExactly(
                SE + "spec.hosts[0]: \"*.example.com\": a wildcard host cannot be resolved with resolution DNS "
                        + "(expected: endpoints, or resolution NONE)",
                SE + "spec.addresses[0]: \"10.0.0.0/33\" is not an IP address or CIDR (expected e.g. 10.1.2.3 or "
                        + "10.1.0.0/16)");
    }

    @Test
    void addressIsRequiredAndMustBeAnIpOrHostName() {
        assertThat(Yaml.specErrors("WorkloadEntry", "labels: {app: vm}\n"))
                .containsExactly(WE + "spec.address: required");
        assertThat(Yaml.specErrors("WorkloadEntry", "address: \"not an address\"\n"))
                .containsExactly(WE + "spec.address: \"not an address\" is not an IP address or host name "
                        + "(expected e.g. 10.1.2.3 or reviews.example.com)");
        assertThat(Yaml.specErrors("WorkloadEntry", "address: vm-1.example.com\n")).isEmpty();
        assertThat(Yaml.specErrors("WorkloadEntry", "address: \"::1\"\n")).isEmpty();
    }

    @Test
    void portsAndLocality() {
        assertThat(Yaml.specErrors("WorkloadEntry", """
                address: 127.0.0.1
                ports: {http: 0}
                locality: us-east1//a
                """)).containsExactly(
                WE + "spec.ports[http]: required (expected: a port from 1 to 65535)",
                WE + "spec.locality: \"us-east1//a\" is not a locality (expected: region, region/zone or "
                        + "region/zone/subzone)");
    }

    @Test
    void ingressPortsAndDefaultEndpoints() {
        assertThat(Yaml.specErrors("Sidecar", """
                ingress:
                - port: {number: 9080, protocol: HTTP, name: http}
                  defaultEndpoint: 10.0.0.1:8080
                - port: {number: 9080, protocol: SCTP, name: other}
                  defaultEndpoint: 127.0.0.1:99999
                - defaultEndpoint: 0.0.0.0:8080
                - port: {number: 9090, protocol: TCP}
                  defaultEndpoint: "[::1]:9090"
                """)).containsExactly(
                SC + "spec.ingress[0].defaultEndpoint: \"10.0.0.1:8080\" is not a local endpoint (expected: "
                        + "127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT, [::]:PORT or unix:///path)",
                SC + "spec.ingress[1].port.protocol: unknown protocol \"SCTP\" (expected one of: HTTP, HTTPS, "
                        + "GRPC, GRPC-WEB, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP)",
                SC + "spec.ingress[1].port.number: duplicate port 9080 (already used by spec.ingress[0])",
                SC + "spec.ingress[1].defaultEndpoint: \"127.0.0.1:99999\": 99999 is not a valid port (expected: "
                        + "1 to 65535)",
                SC + "spec.ingress[2].port: required");
    }

    @Test
    void egressListeners() {
        assertThat(Yaml.specErrors("Sidecar", """
                egress:
                - port: {number: 9080, protocol: HTTP}
                  hosts: ["./reviews"]
                - port: {number: 9080, protocol: HTTP}
                  hosts: ["./*"]
                - port: {number: 0, protocol: HTTP}
                  bind: unix:///var/run/egress.sock
                  hosts: ["*/*"]
                - hosts: ["istio-system/*.svc.cluster.local"]
                outboundTrafficPolicy:
                  mode: ALLOW_ANY
                  egressProxy: {host: egress.example.com}
                """)).containsExactly(
                SC + "spec.egress[0].hosts[0]: \"./reviews\": short names are not allowed here (expected: a fully "
                        + "qualified name such as ./reviews.default.svc.cluster.local, a wildcard, or *)",
                SC + "spec.egress[1].port.number: duplicate port 9080 (already used by spec.egress[0])",
                SC + "spec.outboundTrafficPolicy.egressProxy.port: required");
    }

    @Test
    void unixSocketPaths() {
        assertThat(Yaml.specErrors("Sidecar", """
                ingress:
                - port: {number: 9080, protocol: HTTP}
                  defaultEndpoint: unix://relative.sock
                - port: {number: 9081, protocol: HTTP}
                  defaultEndpoint: unix://@abstract
                egress:
                - hosts: ["./*"]
                """)).containsExactly(SC + "spec.ingress[0].defaultEndpoint: \"unix://relative.sock\" is not a "
                        + "socket path (expected: unix:///absolute/path or unix://@abstract-name)");
    }

    @Test
    void egressHostsNeedANamespace() {
        assertThat(Yaml.specErrors("Sidecar", """
                egress:
                - hosts: ["reviews.default.svc.cluster.local"]
                - hosts: ["Bad_NS/*", "./bad host"]
                """)).containsExactly(
                SC + "spec.egress[0].port: required unless this is the last egress listener",
                SC + "spec.egress[0].hosts[0]: \"reviews.default.svc.cluster.local\" has no namespace (expected: "
                        + "namespace/dnsName, such as \"./*\", \"istio-system/*\" or "
                        + "\"*/reviews.default.svc.cluster.local\")",
                SC + "spec.egress[1].port: required: spec.egress[0] already has no port (expected: at most one "
                        + "egress listener without a port)",
                SC + "spec.egress[1].hosts[0]: \"Bad_NS/*\": \"Bad_NS\" is not a namespace (expected: *, ., ~ "
                        + "or a namespace name)",
                SC + "spec.egress[1].hosts[1]: \"bad host\" is not a valid host name (expected: a DNS name such "
                        + "as reviews, reviews.default.svc.cluster.local or *.example.com)");
    }
}
