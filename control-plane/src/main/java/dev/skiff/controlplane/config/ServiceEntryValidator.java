package dev.skiff.controlplane.config;

import dev.skiff.api.networking.v1alpha3.ServiceEntry;
import dev.skiff.api.networking.v1alpha3.ServicePort;
import dev.skiff.api.networking.v1alpha3.WorkloadEntry;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The checks Istio's validation webhook makes on a ServiceEntry and a WorkloadEntry. */
final class ServiceEntryValidator {
    private ServiceEntryValidator() {
    }

    static void validate(ServiceEntry spec, FieldProblems problems) {
        if (spec.getHostsCount() == 0) {
            problems.add("spec.hosts", "at least one host is required");
        }
        boolean dns = spec.getResolution() == ServiceEntry.Resolution.DNS
                || spec.getResolution() == ServiceEntry.Resolution.DNS_ROUND_ROBIN;
        for (int i = 0; i < spec.getHostsCount(); i++) {
            String host = spec.getHosts(i);
            String path = "spec.hosts[" + i + "]";
            if (Checks.host(problems, path, host, Checks.Wildcards.PREFIXED) && host.contains("*") && dns
                    && spec.getEndpointsCount() == 0) {
                problems.add(path, "\"" + host + "\": a wildcard host cannot be resolved with resolution "
                        + spec.getResolution() + " (expected: endpoints, or resolution NONE)");
            }
        }
        for (int i = 0; i < spec.getAddressesCount(); i++) {
            String address = spec.getAddresses(i);
            if (!Checks.isIpOrCidr(address)) {
                problems.add("spec.addresses[" + i + "]", "\"" + address
                        + "\" is not an IP address or CIDR (expected e.g. 10.1.2.3 or 10.1.0.0/16)");
            } else if (address.contains("/") && dns) {
                problems.add("spec.addresses[" + i + "]", "\"" + address + "\": a CIDR range needs resolution NONE "
                        + "or STATIC (resolution is " + spec.getResolution() + ")");
            }
        }
        if (spec.getPortsCount() == 0) {
            problems.add("spec.ports", "at least one port is required");
        }
        Map<Integer, Integer> numbers = new HashMap<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < spec.getPortsCount(); i++) {
            ServicePort port = spec.getPorts(i);
            String path = "spec.ports[" + i + "]";
            Checks.port(problems, path + ".number", port.getNumber());
            Integer firstNumber = port.getNumber() == 0 ? null : numbers.putIfAbsent(port.getNumber(), i);
            if (firstNumber != null) {
                problems.add(path + ".number", "duplicate port " + Integer.toUnsignedLong(port.getNumber())
                        + " (already used by spec.ports[" + firstNumber + "])");
            }
            if (port.getName().isEmpty()) {
                problems.add(path + ".name", "required");
            } else {
                if (!Checks.isDns1123Label(port.getName())) {
                    problems.add(path + ".name", "\"" + port.getName()
                            + "\" is not a valid port name (expected: a DNS-1123 label such as http)");
                }
                Integer firstName = names.putIfAbsent(port.getName(), i);
                if (firstName != null) {
                    problems.add(path + ".name", "duplicate port name \"" + port.getName()
                            + "\" (already used by spec.ports[" + firstName + "])");
                }
            }
            Checks.protocol(problems, path + ".protocol", port.getProtocol());
            Checks.optionalPort(problems, path + ".targetPort", port.getTargetPort());
        }
        if (spec.getResolution() != ServiceEntry.Resolution.NONE && spec.getHostsCount() > 1) {
            for (int i = 0; i < spec.getPortsCount(); i++) {
                String protocol = spec.getPorts(i).getProtocol().toUpperCase(Locale.ROOT);
                if (!Checks.HOST_AWARE_PROTOCOLS.contains(protocol)) {
                    problems.add("spec.hosts", spec.getHostsCount() + " hosts cannot share port "
                            + spec.getPorts(i).getNumber() + " of protocol " + (protocol.isEmpty() ? "(detected)"
                            : protocol) + " (expected: one host, HTTP or TLS ports, or resolution NONE)");
                    break;
                }
            }
        }
        if (spec.hasWorkloadSelector()) {
            if (spec.getEndpointsCount() > 0) {
                problems.add("spec", "workloadSelector and endpoints are both set (expected only one of them)");
            }
            Checks.labels(problems, "spec.workloadSelector.labels", spec.getWorkloadSelector().getLabelsMap());
        }
        switch (spec.getResolution()) {
            case NONE -> {
                if (spec.getEndpointsCount() > 0) {
                    problems.add("spec.endpoints", "endpoints need resolution STATIC, DNS or DNS_ROUND_ROBIN "
                            + "(resolution is NONE)");
                }
            }
            case DNS_ROUND_ROBIN -> {
                if (spec.getEndpointsCount() > 1) {
                    problems.add("spec.endpoints", spec.getEndpointsCount()
                            + " endpoints (expected: at most one with resolution DNS_ROUND_ROBIN)");
                }
            }
            default -> {
            }
        }
        for (int i = 0; i < spec.getEndpointsCount(); i++) {
            WorkloadEntry endpoint = spec.getEndpoints(i);
            String path = "spec.endpoints[" + i + "]";
            workloadEntry(problems, path, endpoint);
            String address = endpoint.getAddress();
            if (spec.getResolution() == ServiceEntry.Resolution.STATIC && !address.isEmpty()
                    && !address.startsWith("unix://") && !Checks.isIp(address)) {
                problems.add(path + ".address", "\"" + address + "\" is not an IP address (expected: an IP "
                        + "address or unix:// path with resolution STATIC)");
            }
            if (address.startsWith("unix://")) {
                if (endpoint.getPortsCount() > 0) {
                    problems.add(path + ".ports", "a unix socket endpoint has no ports (expected: none)");
                }
                if (spec.getPortsCount() != 1) {
                    problems.add(path + ".address", "a unix socket endpoint needs exactly one port in spec.ports "
                            + "(there are " + spec.getPortsCount() + ")");
                }
            }
            for (String portName : endpoint.getPortsMap().keySet()) {
                if (!names.containsKey(portName)) {
                    problems.add(path + ".ports[" + portName + "]", "no port named \"" + portName
                            + "\" in spec.ports");
                }
            }
        }
        Checks.exportTo(problems, "spec.exportTo", spec.getExportToList(), true);
    }

    /** A WorkloadEntry, alone (path {@code spec}) or as an endpoint of a ServiceEntry. */
    static void workloadEntry(FieldProblems problems, String path, WorkloadEntry entry) {
        String address = entry.getAddress();
        if (address.isEmpty()) {
            problems.add(path + ".address", "required");
        } else if (address.startsWith("unix://")) {
            Checks.unixAddress(problems, path + ".address", address);
        } else if (!Checks.isIp(address) && !Checks.isHostName(address)) {
            problems.add(path + ".address", "\"" + address
                    + "\" is not an IP address or host name (expected e.g. 10.1.2.3 or reviews.example.com)");
        }
        for (Map.Entry<String, Integer> port : entry.getPortsMap().entrySet()) {
            String portPath = path + ".ports[" + port.getKey() + "]";
            if (!Checks.isDns1123Label(port.getKey())) {
                problems.add(portPath, "\"" + port.getKey() + "\" is not a valid port name (expected: a DNS-1123 "
                        + "label such as http)");
            }
            Checks.port(problems, portPath, port.getValue());
        }
        Checks.labels(problems, path + ".labels", entry.getLabelsMap());
        if (Integer.toUnsignedLong(entry.getWeight()) > Integer.MAX_VALUE) {
            problems.add(path + ".weight", Integer.toUnsignedLong(entry.getWeight())
                    + " is too large (expected: 0 to " + Integer.MAX_VALUE + ")");
        }
        if (!entry.getLocality().isEmpty()) {
            String[] parts = entry.getLocality().split("/", -1);
            boolean emptyPart = false;
            for (String part : parts) {
                emptyPart |= part.isEmpty();
            }
            if (parts.length > 3 || emptyPart) {
                problems.add(path + ".locality", "\"" + entry.getLocality()
                        + "\" is not a locality (expected: region, region/zone or region/zone/subzone)");
            }
        }
        if (!entry.getServiceAccount().isEmpty() && !Checks.isDns1123Subdomain(entry.getServiceAccount())) {
            problems.add(path + ".serviceAccount", "\"" + entry.getServiceAccount()
                    + "\" is not a valid service account name (expected: a DNS-1123 subdomain)");
        }
    }
}
