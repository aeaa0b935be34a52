package dev.skiff.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service: one host of a ServiceEntry with that entry's ports.
 *
 * @param host             the fully qualified host name
 * @param namespace        the ServiceEntry's namespace
 * @param name             the ServiceEntry's name
 * @param ports            its ports, in declaration order
 * @param addresses        virtual IPs or CIDRs the ServiceEntry declares (may be empty)
 * @param exportTo         the namespaces that may see it
 * @param workloadSelector labels selecting WorkloadEntries of the same namespace; empty when it selects none
 */
public record MeshService(String host, String namespace, String name, List<ServicePort> ports,
                          List<String> addresses, ExportTo exportTo, Map<String, String> workloadSelector) {
    public MeshService {
        ports = List.copyOf(ports);
        addresses = List.copyOf(addresses);
        workloadSelector = Map.copyOf(workloadSelector);
        for (String address : addresses) {
            requireAddressOrCidr(address);
        }
    }

    private static void requireAddressOrCidr(String address) {
        int slash = address.indexOf('/');
        String prefix = slash < 0 ? address : address.substring(0, slash);
        int maxLength = prefix.indexOf(':') >= 0 ? 128 : 32;
        boolean valid = !prefix.isEmpty();
        if (valid && slash >= 0) {
            try {
                int length = Integer.parseInt(address.substring(slash + 1));
                valid = length >= 0 && length <= maxLength;
            } catch (NumberFormatException e) {
                valid = false;
            }
        }
        if (!valid) {
            throw new IllegalArgumentException("addresses: " + address
                    + " (expected: an IP address or a CIDR block such as 10.0.0.0/24)");
        }
    }

    /** The port with this number. */
    public Optional<ServicePort> port(int number) {
        for (ServicePort port : ports) {
            if (port.number() == number) {
                return Optional.of(port);
            }
        }
        return Optional.empty();
    }

    /** Whether the workload selector picks a workload of {@code workloadNamespace} with these labels. */
    public boolean selects(String workloadNamespace, Map<String, String> labels) {
        return !workloadSelector.isEmpty() && namespace.equals(workloadNamespace)
                && Labels.matches(workloadSelector, labels);
    }
}
