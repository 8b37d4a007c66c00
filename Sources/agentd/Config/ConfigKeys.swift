import Foundation
import Core
import Storage

/// A value read from TOML or from the environment, before it is checked against its key.
enum ConfigValue {
    /// Text from an environment variable or a flag: parsed as the key's type.
    case text(String)
    case string(String)
    case int(Int)
    case bool(Bool)
    /// A TOML array whose elements are all strings.
    case strings([String])
    case other(String)

    var typeName: String {
        switch self {
        case .string, .text: "a string"
        case .int: "an integer"
        case .bool: "a boolean"
        case .strings: "an array of strings"
        case .other(let name): name
        }
    }
}

/// A config key that is missing, mistyped or out of range, named as the file spells it.
struct ConfigError: Error, CustomStringConvertible, Equatable {
    let key: String
    let reason: String
    var description: String { "\(key): \(reason)" }
}

/// One configuration key: where it lives, how it is parsed and checked, and where it goes.
struct ConfigKey: Sendable {
    let section: String
    let name: String
    let help: String
    let apply: @Sendable (ConfigValue, inout Config) throws(ConfigError) -> Void

    var path: String { "\(section).\(name)" }
    var environmentName: String { "AGENTD_\(section.uppercased())_\(name.uppercased())" }
}

enum ConfigKeys {
    static let all: [ConfigKey] = [
        string("server", "listen", "TCP listener as host:port") { value, config in
            guard HostPort(value) != nil else { throw Rule("must be host:port with a port from 0 to 65535, e.g. 127.0.0.1:8700") }
            config.server.listen = value
        },
        string("server", "public_url", "The URL people and identity providers reach agentd at, e.g. https://agentd.corp.local (SSO redirect URIs are built from it; default: http:// and the TCP listener's address)") { value, config in
            let lower = value.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), URL(string: value)?.host != nil, !value.contains("?"), !value.contains("#") else {
                throw Rule("must be an http(s) URL without query or fragment, e.g. https://agentd.corp.local")
            }
            config.server.publicURL = value
        },
        string("server", "socket", "Unix socket path") { value, config in
            guard value.hasPrefix("/") || value.hasPrefix(".") else { throw Rule("must be a path") }
            guard value.utf8.count < 108 else { throw Rule("must be shorter than 108 bytes (the kernel's limit for socket paths)") }
            config.server.socket = value
        },
        string("server", "socket_mode", "Mode of the socket file, octal, e.g. \"0660\"") { value, config in
            guard let mode = UInt16(value, radix: 8), mode <= 0o777 else { throw Rule("must be an octal mode like \"0660\"") }
            guard mode & 0o007 == 0 else { throw Rule("must not give access to others (last digit 0): anyone who can connect is identified by uid") }
            config.server.socketMode = mode
        },
        string("server", "admin_group", "Group whose members are administrators on the socket") { value, config in
            guard !value.isEmpty else { throw Rule("must not be empty") }
            config.server.adminGroup = value
        },
        string("server", "socket_group", "Group that may connect to the socket (mapped users join it)") { value, config in
            guard !value.isEmpty else { throw Rule("must not be empty") }
            config.server.socketGroup = value
        },
        int("server", "max_body_bytes", "Largest request body accepted", 1024...(64 << 20)) { $1.server.maxBodyBytes = $0 },
        int("server", "max_json_depth", "Deepest JSON nesting accepted", 2...256) { $1.server.maxJSONDepth = $0 },
        int("server", "shutdown_grace_ms", "How long SIGTERM waits for in-flight work", 0...600_000) {
            $1.server.shutdownGraceMilliseconds = $0
        },
        string("database", "path", "The database file") { value, config in
            guard !value.isEmpty else { throw Rule("must not be empty") }
            config.database.path = value
        },
        string("database", "synchronous", "full (default) or normal") { value, config in
            guard let mode = DatabaseOptions.Synchronous(rawValue: value.uppercased()) else {
                throw Rule("must be \"full\" or \"normal\"")
            }
            config.database.synchronous = mode
        },
        int("database", "busy_timeout_ms", "How long to wait on a lock held by another process", 0...600_000) {
            $1.database.busyTimeoutMilliseconds = $0
        },
        int("database", "readers", "Read connections in the pool", 1...64) { $1.database.readers = $0 },
        int("writer", "batch_max", "Most units in one group commit", 1...10_000) { $1.writer.batchMax = $0 },
        int("writer", "batch_window_us", "How long a batch waits for more units", 0...100_000) {
            $1.writer.batchWindowMicroseconds = $0
        },
        string("auth", "hash_key_file", "32-byte key for API-key hashes (default: auth.key beside the database)") { value, config in
            guard value.hasPrefix("/") || value.hasPrefix(".") else { throw Rule("must be a path") }
            config.auth.hashKeyFile = value
        },
        // At least 5: last use is recorded about once a minute, so shorter idle times would end
        // sessions that are in use.
        int("auth", "session_idle_minutes", "A login session unused this long ends", 5...1440) {
            $1.auth.sessionIdleMinutes = $0
        },
        int("auth", "session_max_hours", "A login session ends this long after login", 1...720) {
            $1.auth.sessionMaxHours = $0
        },
        int("engine", "workers", "Steps run at once by the worker pool", 1...1024) { $1.engine.workers = $0 },
        int("engine", "step_timeout_ms", "Timeout of a step that sets none", 100...86_400_000) { $1.engine.stepTimeoutMs = $0 },
        int("engine", "breaker_failures", "Failures within 30 s that open an endpoint's circuit breaker", 1...1000) { $1.engine.breakerFailures = $0 },
        int("engine", "breaker_open_ms", "How long an open breaker waits before a probe", 100...3_600_000) { $1.engine.breakerOpenMs = $0 },
        int("engine", "poison_after", "Times agentd may die while a step runs before the step is failed as poisoned, not run again", 1...100) {
            $1.engine.poisonAfter = $0
        },
        int("engine", "timer_poll_ms", "The longest the timer sleeps when it knows of nothing due sooner", 100...60_000) {
            $1.engine.timerPollMs = $0
        },
        int("engine", "schedule_grace_ms", "How late a schedule's slot may fire; a slot found later is missed and its catch-up policy decides",
            1000...3_600_000) { $1.engine.scheduleGraceMs = $0 },
        string("engine", "ca_bundle", "PEM file of the certificate authorities http steps trust (default: the system's)") { value, config in
            config.engine.caBundle = try readableFile(value)
        },
        int("audit", "checkpoint_every", "Audit events between two keyed checkpoints of the chain", 1...1_000_000) {
            $1.audit.checkpointEvery = $0
        },
        string("audit", "forward", "Forward every audit event to syslog+tls://HOST:PORT or jsonl:/PATH (empty: off)") { value, config in
            config.audit.forward = value.isEmpty ? nil : try checked { () throws(ValidationError) in try AuditForwardTarget.parse(value) }
        },
        string("audit", "forward_ca_bundle", "PEM file of the certificate authorities the syslog collector's certificate is checked against (default: the system's)") {
            value, config in config.audit.forwardCABundle = try readableFile(value)
        },
        int("audit", "forward_max_mb", "jsonl: targets: rotate the file past this size (5 files are kept)", 1...100_000) {
            $1.audit.forwardMaxMegabytes = $0
        },
        string("errors", "sentry_dsn", "Send each failed execution to this self-hosted Sentry (https://KEY@host/PROJECT; empty: off)") { value, config in
            config.errors.sentryDSN = value.isEmpty ? nil : try checked { () throws(ValidationError) in try SentryDSN(value) }
        },
        string("errors", "sentry_ca_bundle", "PEM file of the certificate authorities Sentry's certificate is checked against (default: engine.ca_bundle, else the system's)") {
            value, config in config.errors.sentryCABundle = try readableFile(value)
        },
        int("alerts", "evaluate_ms", "How often every alert rule is evaluated", 100...3_600_000) { $1.alerts.evaluateMilliseconds = $0 },
        int("alerts", "delivery_attempts", "Tries per notification before its channel is marked down and the org's other channels are told", 1...50) {
            $1.alerts.deliveryAttempts = $0
        },
        int("alerts", "retry_base_ms", "The first retry's wait for a notification a channel refused; doubled each time, up to 5 minutes", 10...600_000) {
            $1.alerts.retryBaseMilliseconds = $0
        },
        string("alerts", "ca_bundle", "PEM file of the certificate authorities alert channels (SMTP relay, chat, PagerDuty, SMS, webhooks) are checked against (default: engine.ca_bundle, else the system's)") {
            value, config in config.alerts.caBundle = try readableFile(value)
        },
        string("tracing", "otlp_endpoint", "Send a trace of each execution and API request to this OpenTelemetry collector, OTLP/HTTP protobuf (http(s)://HOST:4318; empty: off)") {
            value, config in
            guard !value.isEmpty else { return config.tracing.otlpEndpoint = nil }
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
                  url.query == nil, url.user == nil else {
                throw Rule("must be an http(s)://HOST:PORT URL of the collector, without credentials or a query")
            }
            config.tracing.otlpEndpoint = value
        },
        int("tracing", "sample_percent", "Percent of traces kept when no caller decided (an incoming traceparent's choice is followed)", 0...100) {
            $1.tracing.samplePercent = $0
        },
        int("tracing", "export_delay_ms", "How long finished spans are batched before they are sent", 10...60_000) {
            $1.tracing.exportDelayMilliseconds = $0
        },
        string("tracing", "ca_bundle", "PEM file of the certificate authorities the collector's certificate is checked against (default: the system's)") {
            value, config in config.tracing.caBundle = try readableFile(value)
        },
        string("retention", "executions", "How long finished executions are kept, with their steps and events: 90d, 12h, 7y or forever (model calls stay, as cost history)") {
            value, config in config.retention.policy.executionsMilliseconds = try retentionPeriod(value)
        },
        string("retention", "step_payloads", "How long step outputs and event data are kept inside finished executions: 30d, 12h, 1y or forever") {
            value, config in config.retention.policy.stepPayloadsMilliseconds = try retentionPeriod(value)
        },
        string("retention", "audit", "How long audit events are kept: 7y, or forever") {
            value, config in config.retention.policy.auditMilliseconds = try retentionPeriod(value)
        },
        int("retention", "pass_ms", "How often retention looks for what is due", 100...86_400_000) { $1.retention.passMilliseconds = $0 },
        int("retention", "batch", "Executions removed per database transaction (small, so the engine's commits go between)", 1...10_000) {
            $1.retention.batch = $0
        },
        bool("retention", "archive", "Archive executions before retention removes them: one compressed SQLite file per month (agentctl archive)") {
            $1.retention.archive = $0
        },
        string("retention", "archive_directory", "Where the archive's monthly files are written (default: archive/ beside the database)") {
            value, config in
            guard value.hasPrefix("/") else { throw Rule("must be an absolute path") }
            config.retention.archiveDirectory = value
        },
        int("retention", "convert_max_mb", "A database file made before retention is rewritten at start to give freed space back, when at most this large", 0...1_048_576) {
            $1.retention.convertMaxMegabytes = $0
        },
        bool("privacy", "mask_logs", "Mask personal data (emails, phone numbers, cards, IBANs, addresses, national ids) in log metadata values") {
            $1.privacy.maskLogs = $0
        },
        int("limits", "key_per_hour", "Requests per hour per API key", 1...10_000_000) { $1.limits.keyPerHour = $0 },
        int("limits", "user_per_hour", "Requests per hour per user", 1...10_000_000) { $1.limits.userPerHour = $0 },
        int("limits", "org_per_hour", "Requests per hour per org", 1...100_000_000) { $1.limits.orgPerHour = $0 },
        list("egress", "allow", "When not empty, the only CIDRs and host names (*.corp.example) outbound calls may reach") { entries, config in
            config.egress.site.allow = try EgressConfig.rules(entries)
        },
        list("egress", "deny", "CIDRs and host names (*.corp.example) outbound calls never reach") { entries, config in
            config.egress.site.deny = try EgressConfig.rules(entries)
        },
        string("vault", "key_source", "file, credential (systemd LoadCredentialEncrypted=) or passphrase") { value, config in
            guard ["file", "credential", "passphrase"].contains(value) else {
                throw Rule("must be \"file\", \"credential\" or \"passphrase\"")
            }
            config.vault.keySource = value
        },
        string("vault", "key_file", "The master keyring file (root-only, never beside the database)") { value, config in
            guard value.hasPrefix("/") || value.hasPrefix(".") else { throw Rule("must be a path") }
            config.vault.keyFile = value
        },
        string("log", "level", "trace, debug, info, notice, warning, error or critical") { value, config in
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(value) else {
                throw Rule("must be one of trace, debug, info, notice, warning, error, critical")
            }
            config.log.level = value
        },
        string("backup", "directory", "Where `agentctl backup` may write backups") { value, config in
            guard value.hasPrefix("/") || value.hasPrefix(".") else { throw Rule("must be a path") }
            config.backup.directory = value
        },
        string("log", "format", "auto (the journal when stderr is the journal, else logfmt), journal or logfmt") { value, config in
            guard ["auto", "journal", "logfmt"].contains(value) else { throw Rule("must be auto, journal or logfmt") }
            config.log.format = value
        },
        string("log", "journal_socket", "The journal's native socket") { value, config in
            guard value.hasPrefix("/") else { throw Rule("must be an absolute path") }
            config.log.journalSocket = value
        },
        string("search", "executions",
               "Which ended executions' error, input and output are searchable: failed (failed and cancelled), all, or none") { value, config in
            guard let mode = ExecutionIndexing(rawValue: value) else { throw Rule("must be failed, all or none") }
            config.search.executions = mode
        },
        bool("metrics", "require_auth",
             "GET /metrics needs a caller with system.view, and then also counts unfinished executions by org id") {
            $1.metrics.requireAuth = $0
        },
    ]

    static let sections = Set(all.map(\.section))

    static func key(section: String, name: String) -> ConfigKey? {
        all.first { $0.section == section && $0.name == name }
    }

    /// A path to a file agentd can read (a CA bundle), as the config names it.
    private static func readableFile(_ value: String) throws -> String {
        guard value.hasPrefix("/") || value.hasPrefix(".") else { throw Rule("must be a path") }
        guard FileManager.default.isReadableFile(atPath: value) else { throw Rule("cannot be read") }
        return value
    }

    /// A value Core parses, its first violation as the key's reason.
    private static func checked<T>(_ parse: () throws(ValidationError) -> T) throws -> T {
        do { return try parse() } catch { throw Rule(error.violations.first?.message ?? "is not valid") }
    }

    private static func string(_ section: String, _ name: String, _ help: String,
                               _ set: @escaping @Sendable (String, inout Config) throws -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, help: help) { (value, config) throws(ConfigError) in
            let text: String
            switch value {
            case .string(let string), .text(let string): text = string
            default: throw ConfigError(key: "\(section).\(name)", reason: "must be a string; got \(value.typeName)")
            }
            do { try set(text, &config) } catch { throw ConfigError(key: "\(section).\(name)", reason: (error as? Rule)?.text ?? "\(error)") }
        }
    }

    private static func bool(_ section: String, _ name: String, _ help: String,
                             _ set: @escaping @Sendable (Bool, inout Config) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, help: help) { (value, config) throws(ConfigError) in
            switch value {
            case .bool(let flag): set(flag, &config)
            // Environment variables and flags arrive as text.
            case .text("true"), .text("1"): set(true, &config)
            case .text("false"), .text("0"): set(false, &config)
            case .text(let text): throw ConfigError(key: "\(section).\(name)", reason: "must be true or false; got \"\(text)\"")
            default: throw ConfigError(key: "\(section).\(name)", reason: "must be true or false; got \(value.typeName)")
            }
        }
    }

    /// A list of strings: a TOML array, or comma-separated text from the environment.
    private static func list(_ section: String, _ name: String, _ help: String,
                             _ set: @escaping @Sendable ([String], inout Config) throws -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, help: help) { (value, config) throws(ConfigError) in
            let entries: [String]
            switch value {
            case .strings(let list): entries = list
            case .text(let text): entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            default: throw ConfigError(key: "\(section).\(name)", reason: "must be an array of strings; got \(value.typeName)")
            }
            do { try set(entries, &config) } catch { throw ConfigError(key: "\(section).\(name)", reason: (error as? Rule)?.text ?? "\(error)") }
        }
    }

    private static func retentionPeriod(_ text: String) throws -> Int64? {
        switch RetentionPeriod.parse(text) {
        case .success(let period): return period.milliseconds
        case .failure(let problem): throw Rule(problem.reason)
        }
    }

    private static func int(_ section: String, _ name: String, _ help: String, _ range: ClosedRange<Int>,
                            _ set: @escaping @Sendable (Int, inout Config) -> Void) -> ConfigKey {
        ConfigKey(section: section, name: name, help: help) { (value, config) throws(ConfigError) in
            let number: Int
            switch value {
            case .int(let parsed): number = parsed
            case .text(let text):
                // Environment variables and flags arrive as text.
                guard let parsed = Int(text) else {
                    throw ConfigError(key: "\(section).\(name)", reason: "must be an integer; got \"\(text)\"")
                }
                number = parsed
            default:
                throw ConfigError(key: "\(section).\(name)", reason: "must be an integer; got \(value.typeName)")
            }
            guard range.contains(number) else {
                throw ConfigError(key: "\(section).\(name)", reason: "must be from \(range.lowerBound) to \(range.upperBound); got \(number)")
            }
            set(number, &config)
        }
    }
}

/// Why a value breaks its key's rule (the key is added by the caller).
struct Rule: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

/// `host:port`, parsed.
struct HostPort: Equatable {
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
    }
}
