import CCurlSMTP
import Foundation

/// Sends one message through the site's SMTP relay with libcurl (STARTTLS required on smtp://,
/// AUTH when a username is set). libcurl blocks, so each send runs on a thread of its own, off
/// the cooperative pool.
struct SMTPMailer: Sendable {
    struct Message: Sendable {
        var url: String
        var username: String?
        var password: String?
        var from: String
        var recipients: [String]
        var data: String
        var caFile: String?
        /// `host:port:address` pinning the connection to the address the egress policy checked.
        var resolve: String?
        var timeoutSeconds = 30
    }

    struct Refused: Error, CustomStringConvertible {
        let code: Int32
        let description: String
    }

    func send(_ message: Message) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                continuation.resume(with: Self.sendNow(message))
            }
            thread.name = "agentd-smtp"
            thread.start()
        }
    }

    static func sendNow(_ message: Message) -> Result<Void, any Error> {
        var error = [CChar](repeating: 0, count: 1024)
        let recipients = message.recipients.map { strdup($0) }
        defer { recipients.forEach { free($0) } }
        let code: Int32 = recipients.map { UnsafePointer($0) }.withUnsafeBufferPointer { list in
            message.url.withCString { url in
                message.from.withCString { from in
                    message.data.withCString { data in
                        withOptionalCString(message.username) { username in
                            withOptionalCString(message.password) { password in
                                withOptionalCString(message.caFile) { caFile in
                                    withOptionalCString(message.resolve) { resolve in
                                        var request = agentd_smtp_message(url: url, username: username, password: password, from: from,
                                                                          recipients: list.baseAddress, recipient_count: Int32(list.count),
                                                                          data: data, data_length: message.data.utf8.count, ca_file: caFile,
                                                                          resolve: resolve, timeout_seconds: message.timeoutSeconds)
                                        return agentd_smtp_send(&request, &error, error.count)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard code == 0 else {
            let text = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return .failure(Refused(code: code, description: text))
        }
        return .success(())
    }
}

private func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
