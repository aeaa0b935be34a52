package dev.skiff.proxy.filter;

/** What an {@link HttpFilter} tells the chain after seeing a request. */
public enum FilterStatus {
    /** Go on with the next filter (the router after the last one). */
    CONTINUE,
    /** Stop here: the filter replied locally or will resume the chain itself. */
    STOP
}
