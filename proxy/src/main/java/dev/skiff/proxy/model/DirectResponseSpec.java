package dev.skiff.proxy.model;

import java.util.Arrays;

/**
 * A fixed answer (Envoy's {@code DirectResponseAction}).
 *
 * @param status          200..599
 * @param body            the body, empty for none
 * @param responseHeaders the route's response header changes
 */
public record DirectResponseSpec(int status, byte[] body, HeaderMutations responseHeaders)
        implements LocalResponseSpec {

    public DirectResponseSpec {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("direct response status " + status + " (expected: 200..599)");
        }
        body = body == null ? new byte[0] : body.clone();
        responseHeaders = responseHeaders == null ? HeaderMutations.NONE : responseHeaders;
    }

    /** The body; callers must not change it. */
    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DirectResponseSpec that && status == that.status && Arrays.equals(body, that.body)
                && responseHeaders.equals(that.responseHeaders);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * status + Arrays.hashCode(body)) + responseHeaders.hashCode();
    }

    @Override
    public String toString() {
        return "DirectResponseSpec[status=" + status + ", body=" + body.length + " bytes, responseHeaders="
                + responseHeaders + "]";
    }
}
