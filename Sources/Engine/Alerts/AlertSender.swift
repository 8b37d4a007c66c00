import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import AgentSecurity
import Storage

/// Sends a notification to one channel (docs/observability.md#channels): the message bytes come
/// from `AlertMessages` (Core); here is only transport, past the egress policy, with the channel's
/// secret read from the vault (prod, org-level) at send time and never kept.
struct AlertSender: Sendable {
    let http: OutboundHTTP
    let secrets: StepSecrets.Source?
    let caBundle: String?
    /// How PagerDuty's `source` names this agentd.
    let source: String
    let timeoutSeconds: Int64

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    func send(_ notification: AlertNotification, config: AlertChannelConfig, org: OrgID) async throws {
        let secret = try await secret(config, org: org)
        switch config.kind {
        case .slack:
            guard let url = config.url ?? secret else { throw Refused(description: "the channel has no URL") }
            try await post(url, body: AlertMessages.chat(notification), contentType: "application/json", org: org)
        case .pagerduty:
            guard let url = config.url, let secret else { throw Refused(description: "the channel has no URL or routing key") }
            for event in AlertMessages.pagerDuty(notification, routingKey: secret.trimmingCharacters(in: .whitespacesAndNewlines), source: source) {
                try await post(url, body: event, contentType: "application/json", org: org)
            }
        case .sms:
            guard let url = config.url else { throw Refused(description: "the channel has no URL") }
            for number in config.to {
                let (body, type) = AlertMessages.sms(notification, template: config.template ?? AlertChannelConfig.defaultSMSTemplate, to: number)
                try await post(url, body: body, contentType: type, headers: secret.map { ["Authorization": "Bearer \($0)"] } ?? [:], org: org)
            }
        case .webhook:
            guard let url = config.url, let secret else { throw Refused(description: "the channel has no URL or signing key") }
            let body = AlertMessages.webhook(notification)
            let timestamp = notification.at.millisecondsSinceEpoch / 1000
            let mac = WebhookSigner.mac(key: Array(secret.utf8), message: WebhookSignature.message(timestamp: timestamp, body: Array(body.utf8)))
            try await post(url, body: body, contentType: "application/json",
                           headers: [WebhookSignature.header: WebhookSignature.header(timestamp: timestamp, mac: mac),
                                     WebhookSignature.deliveryHeader: "alert-\(notification.rule)-\(notification.at.millisecondsSinceEpoch)"], org: org)
        case .email:
            try await mail(notification, config: config, password: secret, org: org)
        }
    }

    func secret(_ config: AlertChannelConfig, org: OrgID) async throws -> String? {
        guard let path = config.secretPath else { return nil }
        guard let secrets else { throw Refused(description: "this agentd has no vault to read \(path) from") }
        guard let (bytes, _) = try await secrets(org, .prod, path, nil) else {
            throw Refused(description: "no secret \(path) in prod; store it with `agentctl secrets set \(path) --env prod`")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func post(_ url: String, body: String, contentType: String, headers: [String: String] = [:], org: OrgID) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "User-Agent", value: "agentd-alerts")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let host = OutboundHTTP.Target(url)?.host ?? "?"
        let (status, answer) = try await http.execute(request, deadline: .now() + .seconds(timeoutSeconds), org: org) { response in
            (response.status.code, String(buffer: try await response.body.collect(upTo: 16 << 10)))
        }
        guard (200..<300).contains(status) else {
            throw Refused(description: "\(host) answered \(status): \(answer.prefix(200))")
        }
    }

    func mail(_ notification: AlertNotification, config: AlertChannelConfig, password: String?, org: OrgID) async throws {
        guard let url = config.url, let from = config.from, let parsed = URL(string: url), let host = parsed.host else {
            throw Refused(description: "the channel has no SMTP URL or sender")
        }
        let secure = parsed.scheme?.lowercased() == "smtps"
        let port = parsed.port ?? (secure ? 465 : 587)
        let address = try await http.egress.check(host: host, port: port, org: org)
        let pinned = address.description.contains(":") ? "[\(address.description)]" : address.description
        let messageID = "\(notification.at.millisecondsSinceEpoch).\(UInt32.random(in: 0...UInt32.max))@agentd"
        let message = SMTPMailer.Message(url: "\(secure ? "smtps" : "smtp")://\(host):\(port)", username: config.username, password: password,
                                         from: from, recipients: config.to,
                                         data: AlertMessages.email(notification, from: from, to: config.to, messageID: messageID),
                                         caFile: caBundle, resolve: "\(host):\(port):\(pinned)", timeoutSeconds: Int(timeoutSeconds))
        try await SMTPMailer().send(message)
    }
}
