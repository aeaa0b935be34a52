/**
 * Istio's standard metrics for the sidecar: {@link dev.skiff.proxy.telemetry.IstioTelemetry} records requests and
 * TCP connections (and carries out Istio's HTTP peer metadata exchange) into
 * {@link dev.skiff.proxy.telemetry.IstioMetrics}, which {@link dev.skiff.proxy.telemetry.PrometheusEndpoint} serves
 * on {@code /stats/prometheus}.
 */
package dev.skiff.proxy.telemetry;
