package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** PeerAuthentication errors name their field from {@code spec}, like every other kind. */
class PeerAuthenticationValidationTest {
    private static final String PA = "pa.yaml: PeerAuthentication default/test: ";

    private static ParsedFile parse(String spec) {
        return Yaml.parse("pa.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: test
                  namespace: default
                spec:
                """ + spec.indent(2));
    }

    @Test
    void portLevelMtlsWithoutASelectorIsRejectedAtItsPath() {
        assertThat(Yaml.errors(parse("""
                mtls: {mode: STRICT}
                portLevelMtls:
                  9080: {mode: PERMISSIVE}
                """))).singleElement().asString().startsWith(PA + "spec.portLevelMtls: ");
    }

    @Test
    void aValidPolicyHasNoErrors() {
        assertThat(Yaml.errors(parse("""
                selector:
                  matchLabels: {app: reviews}
                mtls: {mode: STRICT}
                portLevelMtls:
                  9080: {mode: DISABLE}
                """))).isEmpty();
    }
}
