import Core
import Storage

/// agentd's configuration: `/etc/agentd/agentd.toml`, then `AGENTD_SECTION_KEY` environment
/// variables, then command-line flags, each overriding the one before. `ConfigKeys.all` lists
/// every key with its type, default and rule; docs/configuration.md shows them for people.
struct Config: Sendable, Equatable {
    struct Server: Sendable, Equatable {
        /// TCP listener, `host:port`.
        var listen = "127.0.0.1:8700"
        /// Unix socket path.
        var socket = "/run/agentd/agentd.sock"
        /// Mode of the socket file (octal in TOML as a string, e.g. "0660").
        var socketMode: UInt16 = 0o660
        /// Members of this group are agentd administrators on the socket (as is root).
        var adminGroup = "agentd-admin"
        /// The socket's group: who may connect at all (default: the admin group). To let users
        /// mapped by uid connect, name a group that holds them and the administrators.
        var socketGroup: String?
        var maxBodyBytes = 1 << 20
        /// The URL people and identity providers reach agentd at (behind a reverse proxy, its
        /// address); SSO redirect URIs are built from it. Default: the TCP listener's address.
        var publicURL: String?
        var maxJSONDepth = 32
        /// How long SIGTERM waits for in-flight requests and queued writes before cancelling them.
        var shutdownGraceMilliseconds = 10_000
    }

    struct Database: Sendable, Equatable {
        var path = "/var/lib/agentd/agentd.db"
        var synchronous = DatabaseOptions.Synchronous.full
        var busyTimeoutMilliseconds = 5000
        var readers = 8
    }

    struct Writer: Sendable, Equatable {
        var batchMax = 256
        var batchWindowMicroseconds = 0
    }

    struct Auth: Sendable, Equatable {
        /// The 32-byte key for API-key hashes; default `auth.key` beside the database.
        var hashKeyFile: String?
        /// A login session unused this long ends.
        var sessionIdleMinutes = 30
        /// A login session ends this long after login, however busy.
        var sessionMaxHours = 12
    }

    /// Where the vault's master keys come from: never the database.
    struct Vault: Sendable, Equatable {
        /// `file` (a root-only keyring file), `credential` (systemd `LoadCredentialEncrypted=`) or
        /// `passphrase` (starts sealed; `agentctl vault unseal`).
        var keySource = "file"
        var keyFile = "/etc/agentd/master.keyring"
    }

    /// Requests per hour before 429 `rate_limited`.
    struct Limits: Sendable, Equatable {
        var keyPerHour = 1000
        var userPerHour = 1000
        var orgPerHour = 10_000
    }

    struct Log: Sendable, Equatable {
        var level = "info"
        /// `auto`: structured fields to the journal when systemd connected stderr to it.
        var format = "auto"
        var journalSocket = "/run/systemd/journal/socket"
    }

    /// The execution engine (DESIGN §5).
    struct Engine: Sendable, Equatable {
        var workers = 32
        var stepTimeoutMs = 300_000
        var breakerFailures = 5
        var breakerOpenMs = 15_000
        var caBundle: String?
        /// Deaths of the process while a step ran before that step is failed as poisoned.
        var poisonAfter = 3
        /// How late a schedule's slot may still fire; later, it is missed (docs/triggers.md).
        var scheduleGraceMs = 60_000
        /// The timer's safety net when it knows of nothing due sooner.
        var timerPollMs = 10_000
    }

    /// The search index (docs/collaboration.md#search).
    struct Search: Sendable, Equatable {
        /// Which ended executions are indexed: failed (and cancelled), all, or none.
        var executions = ExecutionIndexing.failed
    }

    /// `/metrics` (docs/metrics.md).
    struct Metrics: Sendable, Equatable {
        /// Off: public, with no tenant in any label. On: system.view, with org ids.
        var requireAuth = false
    }

    /// The audit chain's keyed checkpoints (docs/security.md).
    struct Audit: Sendable, Equatable {
        /// A checkpoint every this many events (and one at each clean stop).
        var checkpointEvery = 100
        /// Where every audit event is forwarded (nil: nowhere).
        var forward: AuditForwardTarget?
        var forwardCABundle: String?
        var forwardMaxMegabytes = 100
    }

    /// Failures grouped into errors, and where they are sent (docs/observability.md).
    struct Errors: Sendable, Equatable {
        var sentryDSN: SentryDSN?
        var sentryCABundle: String?
    }

    /// Alert rules evaluation and delivery (docs/observability.md#alerts).
    struct Alerts: Sendable, Equatable {
        var evaluateMilliseconds = 15_000
        var deliveryAttempts = 5
        var retryBaseMilliseconds = 2000
        var caBundle: String?
    }

    /// How long executions, step payloads and the audit log are kept (docs/compliance.md#retention).
    struct Retention: Sendable, Equatable {
        var policy = RetentionPolicy.defaults
        var passMilliseconds = 3_600_000
        var batch = 200
        /// A database file from before retention is rewritten at start to vacuum incrementally
        /// when it is at most this large.
        var convertMaxMegabytes = 2048
        /// Removed executions are archived first (docs/compliance.md#archive).
        var archive = true
        /// Where the archive's monthly files go; nil: `archive/` beside the database.
        var archiveDirectory: String?
    }

    /// The installation's own privacy settings (docs/compliance.md#pii-detection-and-masking);
    /// orgs' policies are set through the API.
    struct Privacy: Sendable, Equatable {
        /// Log metadata values are masked with PII detection before they are written.
        var maskLogs = true
    }

    /// Traces to an OpenTelemetry collector (docs/observability.md#tracing).
    struct Tracing: Sendable, Equatable {
        /// The collector's OTLP/HTTP base URL (`http://otel.corp.local:4318`); nil: off.
        var otlpEndpoint: String?
        var samplePercent = 100
        var exportDelayMilliseconds = 5000
        var caBundle: String?

        /// Where spans are posted: the base URL with `/v1/traces`, as the OTLP spec adds it.
        var tracesURL: String? {
            otlpEndpoint.map { $0.hasSuffix("/v1/traces") ? $0 : ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/v1/traces" }
        }
    }

    /// Where http steps and model servers may connect (docs/security.md, "Egress").
    struct Egress: Sendable, Equatable {
        /// `allow` and `deny`: CIDRs and host names (`*.corp.example`).
        var site = EgressRules()
        /// `[egress.orgs.NAME]`: an org's own lists, which only narrow the site's.
        var orgs: [String: EgressRules] = [:]
    }

    /// Where online backups may be written (`agentctl backup`).
    struct Backup: Sendable, Equatable {
        var directory = "/var/lib/agentd/backups"
    }

    var server = Server()
    var backup = Backup()
    var audit = Audit()
    var errors = Errors()
    var alerts = Alerts()
    var tracing = Tracing()
    var retention = Retention()
    var privacy = Privacy()
    var database = Database()
    var writer = Writer()
    var auth = Auth()
    var limits = Limits()
    var vault = Vault()
    var log = Log()
    var engine = Engine()
    var egress = Egress()
    var metrics = Metrics()
    var search = Search()
    /// `[[models]]`: model endpoints declared in the file (see `ModelDeclaration`).
    var models: [ModelDeclaration] = []

    /// Dev mode keeps everything under `./.agentd/` of the current directory.
    static func dev(directory: String) -> Config {
        var config = Config()
        config.server.socket = directory + "/agentd.sock"
        config.database.path = directory + "/agentd.db"
        // Dev keeps the key beside the database for convenience; an installation must not.
        config.vault.keyFile = directory + "/master.keyring"
        config.backup.directory = directory + "/backups"
        config.log.level = "info"
        return config
    }
}
