package dev.skiff.proxy.admin;

/** A plain answer of the admin or health server. */
record AdminReply(int status, String contentType, String body) {

    static AdminReply text(int status, String body) {
        return new AdminReply(status, "text/plain; charset=UTF-8", body);
    }

    static AdminReply json(String body) {
        return new AdminReply(200, "application/json", body);
    }
}
