package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.authz.RbacAttributes;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.net.ConnectException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FailureDetailsTest {

    @Test
    void aTlsHandshakeFailureIsFramedAsEnvoyFramesTlsErrors() {
        SSLHandshakeException handshake = new SSLHandshakeException("Received fatal alert: certificate_unknown");
        assertThat(FailureDetails.transportFailureReason(new DecoderException(handshake)))
                .isEqualTo("TLS_error:|Received fatal alert: certificate_unknown:TLS_error_end");
        assertThat(FailureDetails.transportFailureReason(handshake))
                .isEqualTo("TLS_error:|Received fatal alert: certificate_unknown:TLS_error_end");
    }

    @Test
    void otherConnectFailuresHaveNoTransportFailureReason() {
        assertThat(FailureDetails.transportFailureReason(new ConnectException("Connection refused"))).isNull();
        assertThat(FailureDetails.transportFailureReason(null)).isNull();
    }

    @Test
    void rbacDenialsNameTheMatchedDenyPolicyOrNone() {
        RbacAttributes connection = new NothingKnown();
        RbacRules denyAll = new RbacRules(RbacRules.Action.DENY, List.of(
                new RbacRules.Policy("ns[default]-policy[deny-all]-rule[0]", List.of(new RbacMatcher.Any()),
                        List.of(new RbacMatcher.Any()))));
        RbacRules allowNothing = new RbacRules(RbacRules.Action.ALLOW, List.of());
        assertThat(FailureDetails.rbacDenied(List.of(denyAll), connection))
                .isEqualTo("rbac_access_denied_matched_policy[ns[default]-policy[deny-all]-rule[0]]");
        assertThat(FailureDetails.rbacDenied(List.of(allowNothing), connection))
                .isEqualTo("rbac_access_denied_matched_policy[none]");
    }

    /** A connection that tells nothing: only matchers that match anything match it. */
    private static final class NothingKnown implements RbacAttributes {
        @Override
        public String principal() {
            return null;
        }

        @Override
        public byte[] sourceAddress() {
            return null;
        }

        @Override
        public byte[] remoteAddress() {
            return null;
        }

        @Override
        public byte[] destinationAddress() {
            return null;
        }

        @Override
        public int destinationPort() {
            return 0;
        }

        @Override
        public String requestedServerName() {
            return null;
        }

        @Override
        public String path() {
            return null;
        }

        @Override
        public String header(String lowerCaseName) {
            return null;
        }
    }
}
