package dev.skiff.proxy.model;

import dev.skiff.proxy.authn.JwtAuthnSpec;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.telemetry.ListenerTelemetry;

import java.util.List;

/**
 * Terminate HTTP and route each request by a route table, either one delivered by RDS (looked up by name in the
 * snapshot) or one given inline.
 *
 * @param routeTableName the RDS route configuration name, e.g. {@code 9080}; null when the routes are inline
 * @param inlineRoutes   the inline route table, null when the routes come from RDS
 * @param rbac           the RBAC filters every request passes before routing, in order; empty when none
 * @param telemetry      the listener's metrics, tracing and access log settings (Istio's Telemetry)
 * @param jwtAuthn       the JWT authentication every request passes before the RBAC filters; null when none
 */
public record HttpConnectionManagerSpec(String routeTableName, RouteTable inlineRoutes, List<RbacRules> rbac,
                                        ListenerTelemetry telemetry, JwtAuthnSpec jwtAuthn)
        implements ChainAction {

    public HttpConnectionManagerSpec(String routeTableName, RouteTable inlineRoutes) {
        this(routeTableName, inlineRoutes, List.of());
    }

    public HttpConnectionManagerSpec(String routeTableName, RouteTable inlineRoutes, List<RbacRules> rbac) {
        this(routeTableName, inlineRoutes, rbac, ListenerTelemetry.DEFAULT);
    }

    public HttpConnectionManagerSpec(String routeTableName, RouteTable inlineRoutes, List<RbacRules> rbac,
                                     ListenerTelemetry telemetry) {
        this(routeTableName, inlineRoutes, rbac, telemetry, null);
    }

    public HttpConnectionManagerSpec {
        rbac = List.copyOf(Validation.notNull(rbac, "http connection manager rbac filters"));
        Validation.notNull(telemetry, "http connection manager telemetry");
        if ((routeTableName == null) == (inlineRoutes == null)) {
            throw new IllegalArgumentException("http connection manager: routeTableName=" + routeTableName
                    + ", inlineRoutes=" + (inlineRoutes == null ? null : inlineRoutes.name())
                    + " (expected: exactly one of an RDS route table name or an inline route table)");
        }
        if (routeTableName != null) {
            Validation.notBlank(routeTableName, "http connection manager route table name");
        }
    }

    /** An HCM whose routes come from RDS under the given name. */
    public static HttpConnectionManagerSpec rds(String routeTableName) {
        return new HttpConnectionManagerSpec(routeTableName, null);
    }

    /** This HCM with the given RBAC filters. */
    public HttpConnectionManagerSpec withRbac(List<RbacRules> filters) {
        return new HttpConnectionManagerSpec(routeTableName, inlineRoutes, filters, telemetry, jwtAuthn);
    }

    /** This HCM with the given telemetry settings. */
    public HttpConnectionManagerSpec withTelemetry(ListenerTelemetry settings) {
        return new HttpConnectionManagerSpec(routeTableName, inlineRoutes, rbac, settings, jwtAuthn);
    }

    /** This HCM with the given JWT authentication filter (null: none). */
    public HttpConnectionManagerSpec withJwtAuthn(JwtAuthnSpec authn) {
        return new HttpConnectionManagerSpec(routeTableName, inlineRoutes, rbac, telemetry, authn);
    }

    /** An HCM with an inline route table. */
    public static HttpConnectionManagerSpec inline(RouteTable routes) {
        return new HttpConnectionManagerSpec(null, Validation.notNull(routes, "inline route table"));
    }
}
