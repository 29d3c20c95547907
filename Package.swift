// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "PatronSync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "patronload", targets: ["patronload"]),
        .executable(name: "demo-warehouse", targets: ["demo-warehouse"]),
        .executable(name: "patronblocks", targets: ["patronblocks"]),
        .executable(name: "folio-simulator", targets: ["folio-simulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
    ],
    targets: [
        // C libraries from the system (Debian: libsqlite3-dev, zlib1g-dev, libxml2-dev).
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CODBC", pkgConfig: "odbc", providers: [.apt(["unixodbc-dev"])]),

        // CRC-32 by carry-less multiplication (x86-64 with PCLMULQDQ), for the zip entries.
        .target(name: "CCRC32"),

        // A small, pull-based SQLite wrapper: cursors step on demand, so a query never buffers its result.
        .target(name: "SQLite", dependencies: ["CSQLite3"]),
        // A small, safe wrapper over unixODBC: handles freed on every path, diagnostics as errors,
        // block fetches with column-wise binding. The road to Oracle.
        .target(name: "ODBC", dependencies: ["CODBC"]),

        // postgres:// URLs (sslmode, sslrootcert, search_path) for PostgresNIO, shared by both products.
        .target(
            name: "PostgresURL",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // Retries with exponential backoff and full jitter, for every network client.
        .target(name: "Backoff"),

        // SigV4, credentials, and the S3 and SES calls patronload needs (no AWS SDK for Swift here).
        .target(
            name: "AWS",
            dependencies: [
                "Backoff",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // patronload: the nightly Alma patron load.
        .target(
            name: "PatronLoad",
            dependencies: [
                "SQLite", "ODBC", "AWS", "PostgresURL", "CZlib", "CLibXML2", "CCRC32",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources/profiles"), .copy("Resources/schema")]
        ),
        .executableTarget(
            name: "patronload",
            dependencies: [
                "PatronLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // Realistic generated warehouses for the demo, the tests and the benchmarks.
        .target(
            name: "DemoWarehouse",
            dependencies: [
                "SQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "demo-warehouse",
            dependencies: [
                "DemoWarehouse", "PatronLoad",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // patronblocks: FOLIO automated patron blocks as a service.
        .target(
            name: "PatronBlocks",
            dependencies: [
                "SQLite", "Backoff", "PostgresURL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        .executableTarget(
            name: "patronblocks",
            dependencies: [
                "PatronBlocks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A test double of FOLIO's loan-storage, feesfines and users APIs, following their published
        // contract; in-process for tests, an executable for demos and benchmarks.
        .target(
            name: "FolioSimulator",
            dependencies: [
                "DemoWarehouse",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "folio-simulator",
            dependencies: [
                "FolioSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // The numbers behind BENCHMARKS.md (`make bench`).
        .executableTarget(
            name: "patronsync-bench",
            dependencies: [
                "PatronLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // Real-network helpers for the tests: a local HTTP server, a fault-injecting proxy, moto's settings.
        .target(
            name: "PatronSyncTestSupport",
            dependencies: [
                "AWS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"]),
        .testTarget(
            name: "PatronBlocksTests",
            dependencies: [
                "PatronBlocks", "FolioSimulator", "PatronSyncTestSupport", "PostgresURL", "Backoff",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "ODBCTests", dependencies: ["ODBC", "SQLite"]),
        .testTarget(
            name: "AWSTests",
            dependencies: [
                "AWS", "PatronSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "PatronLoadTests",
            dependencies: [
                "PatronLoad", "DemoWarehouse", "SQLite", "CZlib", "CCRC32", "AWS", "Backoff", "PatronSyncTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            // FOLIO's JSON schemas, read from the source tree by the tests that validate against them.
            exclude: ["Fixtures"]
        ),
    ]
)
