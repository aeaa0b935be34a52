package dev.skiff.proxy.model;

/**
 * The parts of a request that route matching reads, independent of the wire protocol.
 */
public interface RequestHeadersView {

    /** The {@code :path} of the request: path and query string, e.g. {@code /reviews/1?x=y}. */
    String path();

    /**
     * The value of a header, with all values of a repeated header joined by {@code ','}, or null when absent.
     * Pseudo-headers {@code :method}, {@code :authority}, {@code :path} and {@code :scheme} are answered too.
     *
     * @param lowerCaseName the header name in lower case
     */
    String header(String lowerCaseName);
}
