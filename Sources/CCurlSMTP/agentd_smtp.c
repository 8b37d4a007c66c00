#include "agentd_smtp.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

struct reader {
    const char *data;
    size_t remaining;
};

static size_t read_body(char *buffer, size_t size, size_t count, void *context) {
    struct reader *reader = context;
    size_t room = size * count;
    size_t length = reader->remaining < room ? reader->remaining : room;
    memcpy(buffer, reader->data, length);
    reader->data += length;
    reader->remaining -= length;
    return length;
}

int agentd_smtp_send(const struct agentd_smtp_message *message, char *error, size_t error_size) {
    pthread_once(&global_once, global_init);
    char curl_error[CURL_ERROR_SIZE] = {0};
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(error, error_size, "libcurl could not start a transfer");
        return -1;
    }
    struct curl_slist *recipients = NULL;
    for (int i = 0; i < message->recipient_count; i++) {
        char address[600];
        snprintf(address, sizeof address, "<%s>", message->recipients[i]);
        recipients = curl_slist_append(recipients, address);
    }
    struct curl_slist *resolve = NULL;
    if (message->resolve != NULL) resolve = curl_slist_append(resolve, message->resolve);
    char from[600];
    snprintf(from, sizeof from, "<%s>", message->from);
    struct reader reader = {message->data, message->data_length};

    curl_easy_setopt(curl, CURLOPT_URL, message->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // why: a relay that does not offer STARTTLS must not get the password or the message in clear.
    curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (message->username != NULL) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, message->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, message->password != NULL ? message->password : "");
    }
    if (message->ca_file != NULL) curl_easy_setopt(curl, CURLOPT_CAINFO, message->ca_file);
    if (resolve != NULL) curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, message->timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, message->timeout_seconds < 10 ? message->timeout_seconds : 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);

    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        long response = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
        if (response != 0) {
            snprintf(error, error_size, "%s (SMTP %ld)%s%s", curl_easy_strerror(code), response, curl_error[0] ? ": " : "", curl_error);
        } else {
            snprintf(error, error_size, "%s%s%s", curl_easy_strerror(code), curl_error[0] ? ": " : "", curl_error);
        }
    }
    curl_slist_free_all(recipients);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(curl);
    return (int)code;
}
