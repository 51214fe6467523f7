// swift-tools-version: 6.1
import PackageDescription

/// Upcoming features that Hummingbird itself builds with (STYLE.md §1).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// What every HTTP half builds on: Hummingbird, its HTTP types, NIO's buffers, logging.
let httpHalf: [Target.Dependency] = [
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "Logging", package: "swift-log"),
]

let package = Package(
    name: "kura",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kura", targets: ["kura"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // swift-certificates' own ASN.1 layer: needed to spell IP-address SANs and PEM documents.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        // postgres-kit's connection pool type (named in PostgresSessionProvider).
        .package(url: "https://github.com/vapor/async-kit.git", from: "1.22.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Hummingbird's own HTTP types: header names (HTTPField.Name) for OCI's headers.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        // The portal's server-rendered pages.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Typed wire models the server writes and the CLI reads (token responses, error envelopes,
        // the data dir's files); Foundation only.
        .target(
            name: "KuraAPI",
            swiftSettings: swiftSettings
        ),
        // Vocabulary, no I/O: digests, configuration, errors.
        .target(
            name: "KuraCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Key hierarchy, KBF1 streaming AEAD, sealed files, the local CA.
        .target(
            name: "KuraCrypto",
            dependencies: [
                "KuraCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The stores' implementations: `SQLMetadataStore` (SQLite and PostgreSQL) conforms to every
        // plane's store protocol; `FileSystemBlobStore` to the registry's `BlobStore`. Declares no
        // plane's records.
        .target(
            name: "KuraStorage",
            dependencies: [
                "KuraAPI",
                "KuraCore",
                "KuraCrypto",
                "KuraDirectory",
                "KuraRegistry",
                "KuraKeyVault",
                "KuraManagement",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "AsyncKit", package: "async-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Login plane: the directory, access tokens (RS256) and their one verifier (no HTTP).
        .target(
            name: "KuraDirectory",
            dependencies: [
                "KuraAPI",
                "KuraCore",
                "KuraCrypto",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Registry plane: OCI content rules, uploads, registry access tokens (no HTTP).
        .target(
            name: "KuraRegistry",
            dependencies: [
                "KuraAPI",
                "KuraCore",
                "KuraCrypto",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The customer-key monitor is a service of the server's group, and logs.
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // JMESPath (az's `--query`), over KuraAPI's JSONValue (which keeps member order).
        .target(
            name: "KuraJMESPath",
            dependencies: ["KuraAPI"],
            swiftSettings: swiftSettings
        ),
        // ARM templates: the lenient template text, the expression language, its functions and
        // parameters (no HTTP; the management plane deploys with it).
        .target(
            name: "KuraTemplates",
            dependencies: ["KuraAPI", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Key Vault plane: keys, versions, crypto operations, access policies, audit log (no HTTP).
        .target(
            name: "KuraKeyVault",
            dependencies: [
                "KuraAPI",
                "KuraCore", "KuraCrypto", "KuraDirectory",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Management plane: ARM conventions and resources — groups, identities, vaults, registries,
        // role assignments (no HTTP).
        .target(
            name: "KuraManagement",
            dependencies: ["KuraAPI", "KuraCore", "KuraDirectory", "KuraRegistry", "KuraKeyVault", "KuraTemplates"],
            swiftSettings: swiftSettings
        ),
        // What every plane's HTTP half shares: the request context, the host chain (request id,
        // metrics, error rendering), Azure's error envelope, request faults, the 500 log line.
        .target(
            name: "KuraHTTP",
            dependencies: ["KuraAPI", "KuraCore", .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")] + httpHalf,
            swiftSettings: swiftSettings
        ),
        // Each plane's HTTP half, beside its plane: routes, wire shapes and error envelope; no rules.
        .target(
            name: "KuraDirectoryHTTP",
            dependencies: ["KuraAPI", "KuraHTTP", "KuraDirectory", "KuraCore", "KuraCrypto"] + httpHalf,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KuraRegistryHTTP",
            dependencies: ["KuraAPI", "KuraHTTP", "KuraRegistry", "KuraDirectory", "KuraCore", "KuraCrypto",
                           .product(name: "NIOFoundationCompat", package: "swift-nio")] + httpHalf,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KuraKeyVaultHTTP",
            dependencies: ["KuraAPI", "KuraHTTP", "KuraDirectoryHTTP", "KuraKeyVault", "KuraDirectory", "KuraCore",
                           .product(name: "Metrics", package: "swift-metrics")] + httpHalf,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KuraManagementHTTP",
            dependencies: ["KuraAPI", "KuraHTTP", "KuraDirectoryHTTP", "KuraManagement", "KuraTemplates", "KuraDirectory", "KuraCore"] + httpHalf,
            swiftSettings: swiftSettings
        ),
        // S3's protocol: AWS Signature Version 4 (no AWS SDK exists for Swift here); the S3 blob
        // store builds on it.
        .target(
            name: "KuraS3",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The portal: the seed's pages in a browser, signed in through the login plane, over the
        // same services the ARM and Key Vault planes call (no rule of its own).
        .target(
            name: "KuraPortal",
            dependencies: ["KuraAPI", "KuraHTTP", "KuraCore", "KuraCrypto", "KuraDirectory", "KuraManagement", "KuraKeyVault",
                           "KuraRegistry", "KuraTemplates", .product(name: "Mustache", package: "swift-mustache"),
                           .product(name: "Crypto", package: "swift-crypto")] + httpHalf,
            swiftSettings: swiftSettings
        ),
        // Composition root: data dir bootstrap, Hummingbird apps, host routing, TLS.
        .target(
            name: "KuraServer",
            dependencies: [
                "KuraAPI",
                "KuraHTTP",
                "KuraDirectoryHTTP",
                "KuraRegistryHTTP",
                "KuraKeyVaultHTTP",
                "KuraManagementHTTP",
                "KuraPortal",
                "KuraCore",
                "KuraCrypto",
                "KuraStorage",
                "KuraRegistry",
                "KuraDirectory",
                "KuraManagement",
                "KuraKeyVault",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                // TLSUserEvent and HTTPRequestPart: the connection deadlines see a handshake complete
                // and each request's head and body end.
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                // NIOThreadPool: returning freed memory runs off the event loops.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client commands (az's, flag for flag) over the same REST APIs; never imports a plane.
        .target(
            name: "KuraCLI",
            dependencies: [
                "KuraAPI",
                "KuraJMESPath",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `kura` executable: `kura serve` plus the client commands.
        .executableTarget(
            name: "kura",
            dependencies: [
                "KuraServer",
                "KuraCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Prints throughput and memory figures; not a test (run `Benchmarks/run.sh`).
        .executableTarget(
            name: "kura-bench",
            dependencies: [
                "KuraCrypto",
                "KuraRegistry",
                "KuraStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/kura-bench",
            swiftSettings: swiftSettings
        ),
        // What tests share and no product ships: the fuzz loop and seeded generator, scratch
        // metadata stores on SQLite and PostgreSQL.
        .target(
            name: "KuraTestSupport",
            dependencies: ["KuraAPI", "KuraCore", "KuraStorage", "KuraDirectory", "KuraRegistry", "KuraKeyVault",
                           "KuraManagement"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraS3Tests",
            dependencies: ["KuraS3"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraPortalTests",
            dependencies: ["KuraPortal", "KuraCore", "KuraDirectory", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraTemplatesTests",
            dependencies: ["KuraTemplates", "KuraAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraAPITests",
            dependencies: ["KuraAPI", "KuraTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraCoreTests",
            dependencies: ["KuraCore", "KuraTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraCryptoTests",
            dependencies: [
                "KuraCrypto", "KuraCore", "KuraTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraStorageTests",
            dependencies: [
                "KuraAPI",
                "KuraStorage", "KuraCrypto", "KuraTestSupport", "KuraCore", "KuraDirectory", "KuraRegistry", "KuraKeyVault",
                "KuraManagement",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraDirectoryTests",
            dependencies: ["KuraDirectory", "KuraStorage", "KuraCrypto", "KuraCore", "KuraTestSupport",
                           .product(name: "_CryptoExtras", package: "swift-crypto"),
                           .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraRegistryTests",
            dependencies: ["KuraRegistry", "KuraStorage", "KuraCrypto", "KuraCore", "KuraTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraCLITests",
            dependencies: [
                "KuraCLI", "KuraJMESPath",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraJMESPathTests",
            dependencies: ["KuraJMESPath", "KuraTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraKeyVaultTests",
            dependencies: ["KuraAPI", "KuraKeyVault", "KuraDirectory", "KuraStorage", "KuraCrypto", "KuraCore", "KuraTestSupport",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                           .product(name: "SQLKit", package: "sql-kit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraManagementTests",
            dependencies: ["KuraAPI", "KuraManagement", "KuraServer", "KuraDirectory", "KuraRegistry", "KuraKeyVault", "KuraStorage",
                           "KuraCrypto", "KuraCore",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KuraServerTests",
            dependencies: [
                "KuraServer", "KuraStorage", "KuraCrypto", "KuraRegistry", "KuraCore", "KuraDirectory", "KuraKeyVault", "KuraManagement",
                "KuraTestSupport", "KuraAPI", "KuraHTTP", "KuraDirectoryHTTP", "KuraRegistryHTTP", "KuraKeyVaultHTTP", "KuraManagementHTTP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
