package dev.skiff.controlplane.model;

/**
 * One port of a service.
 *
 * @param name       the port name ({@code http}, {@code grpc-api}, ...); WorkloadEntry {@code ports} refer to it
 * @param number     the port clients connect to
 * @param protocol   the application protocol
 * @param targetPort the port the workloads listen on unless a WorkloadEntry says otherwise
 */
public record ServicePort(String name, int number, Protocol protocol, int targetPort) {
    public ServicePort {
        if (number < 1 || number > 65535) {
            throw new IllegalArgumentException("port number: " + number + " (expected: 1..65535)");
        }
        if (targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("targetPort: " + targetPort + " (expected: 1..65535)");
        }
    }
}
