package dev.skiff.controlplane.model;

/**
 * Where a workload runs, parsed from Istio's {@code region/zone/subzone} form; missing parts are empty.
 */
public record Locality(String region, String zone, String subzone) implements Comparable<Locality> {
    public static final Locality NONE = new Locality("", "", "");

    /** Parses {@code region}, {@code region/zone} or {@code region/zone/subzone}; empty gives {@link #NONE}. */
    public static Locality parse(String locality) {
        if (locality.isEmpty()) {
            return NONE;
        }
        String[] parts = locality.split("/", -1);
        if (parts.length > 3) {
            throw new IllegalArgumentException("locality: " + locality + " (expected: region/zone/subzone)");
        }
        return new Locality(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
    }

    @Override
    public int compareTo(Locality other) {
        int byRegion = region.compareTo(other.region);
        if (byRegion != 0) {
            return byRegion;
        }
        int byZone = zone.compareTo(other.zone);
        return byZone != 0 ? byZone : subzone.compareTo(other.subzone);
    }
}
