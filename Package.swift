// swift-tools-version:6.2
import PackageDescription

// Targets follow ../shared/DESIGN.md §3: dependencies point down the list only.
// A target appears when it gets its first real code.
let package = Package(
    name: "agentd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agentd", targets: ["agentd"]),
        .executable(name: "agentctl", targets: ["agentctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OIDC and program tokens (issue 17): JWKS and JWT signatures. It brings swift-crypto 4.x.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        // The web console's templates (issue 23): escaping by default, no dependencies of its own.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Executables: argument parsing, config loading, wiring.
        .executableTarget(
            name: "agentd",
            dependencies: [
                "API", "Engine", "AgentSecurity", "Storage", "Platform", "Core", "AgentctlCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(name: "agentctl", dependencies: ["AgentctlCommands"]),
        // agentctl's commands, a library so that agentd can run them too: the package ships
        // one binary (the Swift runtime is linked into it once) and agentctl links to it.
        .target(
            name: "AgentctlCommands",
            dependencies: [
                "Client", "Core",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The HTTP client agentctl and the tests use to talk to a daemon (socket or TCP).
        .target(
            name: "Client",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "API",
            dependencies: [
                "Engine", "AgentSecurity", "Storage", "Platform", "Core",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Durable execution: dispatcher, workers, step runners, breakers, timers.
        .target(
            name: "Engine",
            dependencies: [
                "Storage", "AgentSecurity", "Core", "CCurlSMTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            // Not "Security": swift-certificates' `#if canImport(Security)` (Apple's framework)
            // would then be true on Linux and import this module instead.
            name: "AgentSecurity",
            dependencies: ["Storage", "Core", "CSodium", "CSAML", .product(name: "JWTKit", package: "jwt-kit")],
            path: "Sources/Security"
        ),
        .target(
            name: "Storage",
            dependencies: [
                "Core", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Platform",
            dependencies: [
                "CSystemd", "CProcess", "Core",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "Core"),
        // A few lines of C for what Swift cannot call (variadic prctl).
        .target(name: "CProcess"),
        // Alert email over SMTP through libcurl (STARTTLS, AUTH), whose setopt is variadic too.
        .target(name: "CCurlSMTP", linkerSettings: [.linkedLibrary("curl")]),
        // SAML's XML signatures: libxmlsec1 (OpenSSL engine) and libxml2, through a C shim.
        // xmlsec1-openssl's pkg-config cflags (Debian 12), written out: its libs would also link
        // libssl, libcrypto and libxslt, which agentd never calls, and the .deb would then depend
        // on the build machine's libssl3 version. XMLSEC_NO_SIZE_T must match the library's ABI.
        // (libxmlsec1-dev, from `make deps`.)
        .target(name: "CSAML",
                cSettings: [.unsafeFlags(["-I/usr/include/xmlsec1", "-I/usr/include/libxml2"]),
                            .define("XMLSEC_CRYPTO_OPENSSL", to: "1"), .define("XMLSEC_NO_SIZE_T"), .define("XMLSEC_NO_GOST", to: "1"),
                            .define("XMLSEC_NO_GOST2012", to: "1"), .define("XMLSEC_NO_CRYPTO_DYNAMIC_LOADING", to: "1"),
                            .define("XMLSEC_OPENSSL3_ENGINES", to: "1"), .define("__XMLSEC_FUNCTION__", to: "__func__")],
                linkerSettings: [.linkedLibrary("xmlsec1-openssl"), .linkedLibrary("xmlsec1"), .linkedLibrary("xml2")]),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // Archived executions are stored deflated (zlib's compress2/uncompress).
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // Benchmarks (`make bench`), not part of `make test`.
        .executableTarget(
            name: "writer-bench",
            dependencies: [
                "Storage", "Core", "CSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/writer-bench"
        ),
        .executableTarget(
            name: "pii-bench",
            dependencies: ["Core"],
            path: "bench/pii-bench"
        ),
        .executableTarget(
            name: "auth-bench",
            dependencies: ["AgentSecurity", "Storage", "Core"],
            path: "bench/auth-bench"
        ),
        .executableTarget(
            name: "definition-bench",
            dependencies: ["AgentSecurity", "Storage", "Core"],
            path: "bench/definition-bench"
        ),
        .executableTarget(
            name: "engine-bench",
            dependencies: [
                "Engine", "AgentSecurity", "Storage", "Core", "BenchSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "bench/engine-bench"
        ),
        .executableTarget(
            name: "triggers-bench",
            dependencies: [
                "Engine", "AgentSecurity", "Storage", "Core", "Client", "BenchSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/triggers-bench"
        ),
        .executableTarget(
            name: "alert-bench",
            dependencies: [
                "Engine", "Storage", "Core", "BenchSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/alert-bench"
        ),
        .executableTarget(
            name: "retention-bench",
            dependencies: [
                "Engine", "Storage", "Core", "BenchSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/retention-bench"
        ),
        .executableTarget(
            name: "approvals-bench",
            dependencies: [
                "Engine", "AgentSecurity", "Storage", "Core", "BenchSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/approvals-bench"
        ),
        .executableTarget(
            name: "llm-bench",
            dependencies: [
                "Engine", "AgentSecurity", "Storage", "Core", "BenchSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/llm-bench"
        ),
        .executableTarget(
            name: "template-fuzz",
            dependencies: ["Core", "TemplateFuzzing"],
            path: "bench/template-fuzz"
        ),
        // The template generator of the fuzz test and the fuzzer.
        .target(name: "TemplateFuzzing", dependencies: ["Core"], path: "bench/template-fuzzing"),
        // What the engine and llm benchmarks share.
        .target(name: "BenchSupport", dependencies: ["Core", "AgentSecurity", "Storage"], path: "bench/bench-support"),
        .executableTarget(
            name: "api-bench",
            dependencies: [
                "Client",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "bench/api-bench"
        ),
        .executableTarget(
            name: "console-bench",
            dependencies: ["Client", "Core", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "bench/console-bench"
        ),
        .executableTarget(
            name: "search-bench",
            dependencies: ["Client", "Core", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "bench/search-bench"
        ),
        .executableTarget(
            name: "sso-bench",
            dependencies: [
                "Client", "Core", "AgentSecurity", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "bench/sso-bench"
        ),

        .testTarget(name: "CoreTests", dependencies: ["Core", "TemplateFuzzing"]),
        // Routes in process: the router over the real area services and a real SQLite file.
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Engine", "AgentSecurity", "Storage", "Platform", "Core",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "SecurityTests", dependencies: ["AgentSecurity", "Core"]),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "AgentSecurity", "Core",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The engine in process over a real SQLite file (test clock, test runners), and its rule tables.
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Storage", "AgentSecurity", "Core",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Client", "Core", "AgentSecurity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // The loopback service the engine tests start (run by python3, not compiled).
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
