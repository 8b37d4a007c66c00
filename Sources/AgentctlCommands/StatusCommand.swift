import ArgumentParser
import Client
import Foundation

/// `agentctl status`: the daemon's version, schema, database and writer.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's version, database and writer statistics.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingFailures {
            let response = try await connection.client.call(.GET, "/api/v1/status")
            guard let status = response.json else { throw ClientError.unexpected(status: response.status, "not JSON") }
            if connection.output == .json { return Output.json(status) }
            let database = status["database"] as? [String: Any] ?? [:]
            let writer = status["writer"] as? [String: Any] ?? [:]
            let size = Int64(database.text("size_bytes")) ?? 0
            let uptime = Double(status.text("uptime_seconds")) ?? 0
            var forwarding: [(String, String)] = []
            if let forward = status["audit_forward"] as? [String: Any] {
                let lag = Int(forward.text("lag")) ?? 0
                forwarding.append(("audit forward", "\(forward.text("target")): " + (lag == 0 ? "up to date" : "\(lag) events behind")
                                   + " (last sent \(forward.text("forwarded_seq")))"))
                if forward["last_error"] is String { forwarding.append(("forward error", forward.text("last_error"))) }
            }
            if let sentry = status["sentry"] as? [String: Any] {
                let pending = Int(sentry.text("pending")) ?? 0
                forwarding.append(("sentry", "\(sentry.text("target")): " + (pending == 0 ? "up to date" : "\(pending) failures not yet sent")))
                if sentry["last_error"] is String { forwarding.append(("sentry error", sentry.text("last_error"))) }
            }
            if let alerts = status["alerts"] as? [String: Any] {
                var parts = ["\(alerts.text("firing")) firing, \(alerts.text("pending")) pending"]
                let down = Int(alerts.text("channels_down")) ?? 0
                if down > 0 { parts.append("\(down) channel\(down == 1 ? "" : "s") down (agentctl alerts channels list)") }
                if (Int(alerts.text("undelivered")) ?? 0) > 0 { parts.append("\(alerts.text("undelivered")) notifications waiting") }
                forwarding.append(("alerts", parts.joined(separator: "; ")))
            }
            if let retention = status["retention"] as? [String: Any] {
                var parts = ["executions \(retention.text("executions")), step payloads \(retention.text("step_payloads")), audit \(retention.text("audit"))"]
                parts.append("due: \(retention.text("due_executions")) executions, \(retention.text("due_step_payloads")) with payloads")
                if (retention["running"] as? Bool) == true {
                    parts.append("a pass is running")
                } else if retention["next_pass_at"] is String {
                    parts.append("next pass \(retention.text("next_pass_at"))")
                }
                forwarding.append(("retention", parts.joined(separator: "; ")))
                if let last = retention["last_pass"] as? [String: Any] {
                    let freed = ByteCountFormatter.string(fromByteCount: Int64(last.text("bytes_freed")) ?? 0, countStyle: .file)
                    forwarding.append(("last retention pass", "\(last.text("finished_at")): \(last.text("executions_removed")) executions and "
                                       + "\(last.text("step_payloads_removed")) payloads removed, \(freed) given back"
                                       + (last["error"] is String ? "; failed: \(last.text("error"))" : "")))
                }
                let free = ByteCountFormatter.string(fromByteCount: Int64(retention.text("free_bytes")) ?? 0, countStyle: .file)
                forwarding.append(("database free space", (retention["incremental_vacuum"] as? Bool) == true
                                   ? "\(free) inside the file, given back at the next pass" : "\(free) inside the file; \(retention.text("vacuum"))"))
            }
            Output.pairs([
                ("version", status.text("version")),
                ("schema version", status.text("schema_version")),
                ("database", database.text("path")),
                ("database size", ByteCountFormatter.string(fromByteCount: size, countStyle: .file)),
                ("synchronous", database.text("synchronous")),
                ("dev mode", (status["dev_mode"] as? Bool) == true ? "yes" : "no"),
                ("started", status.text("started_at")),
                ("uptime", Self.duration(uptime)),
                ("writer commits", "\(writer.text("commits")) (\(writer.text("failed_commits")) failed)"),
                ("writer units", "\(writer.text("units")) (\(writer.text("failed_units")) failed)"),
                ("writer batch", "mean \(Self.decimal(writer["mean_batch"])), max \(writer.text("max_batch"))"),
                ("writer commit", "mean \(Self.decimal(writer["mean_commit_micros"])) µs, max \(writer.text("max_commit_micros")) µs"),
            ] + forwarding)
        }
    }

    static func decimal(_ value: Any?) -> String {
        String(format: "%.1f", (value as? NSNumber)?.doubleValue ?? 0)
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(exactly: seconds.rounded(.towardZero)) ?? 0  // never a trapping Int(_:) of a number from the server
        let (days, hours, minutes, secs) = (total / 86400, total % 86400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h \(minutes)m" }
        if hours > 0 { return "\(hours)h \(minutes)m \(secs)s" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return String(format: "%.1fs", seconds)
    }
}
