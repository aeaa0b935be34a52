package dev.skiff.e2e;

/** Ends what a test class started: clients, backends, sockets and the mesh. */
final class Teardown {
    private Teardown() {
    }

    /**
     * Closes each resource in order, skipping those never started (null); every one is tried, and the first failure
     * is thrown afterwards with the later ones suppressed.
     */
    static void closeAll(AutoCloseable... resources) throws Exception {
        Exception failure = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
