#ifndef AGENTD_SMTP_H
#define AGENTD_SMTP_H

#include <stddef.h>

/// One message to send over SMTP with libcurl (curl_easy_setopt is variadic, which Swift cannot
/// call; this is the whole of agentd's C for mail).
struct agentd_smtp_message {
    /// smtp://host:port (STARTTLS is required) or smtps://host:port (TLS from the start).
    const char *url;
    /// NULL: no AUTH.
    const char *username;
    const char *password;
    /// The envelope sender, without angle brackets.
    const char *from;
    const char *const *recipients;
    int recipient_count;
    /// The RFC 5322 message, CRLF lines.
    const char *data;
    size_t data_length;
    /// NULL: the system's trust store.
    const char *ca_file;
    /// "host:port:address": connect to the address the egress policy checked.
    const char *resolve;
    long timeout_seconds;
};

/// 0 when the relay accepted the message; otherwise curl's code, with a message in `error`
/// (at least 256 bytes).
int agentd_smtp_send(const struct agentd_smtp_message *message, char *error, size_t error_size);

#endif
