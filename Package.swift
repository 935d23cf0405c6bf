// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Billfold",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "billfold", targets: ["billfold"]),
        .executable(name: "billfold-bench", targets: ["billfold-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(name: "BillfoldCore", swiftSettings: swiftSettings),
        .target(name: "ChildProcesses", swiftSettings: swiftSettings),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "BillfoldDocuments",
            dependencies: ["BillfoldCore", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "BillfoldPayments",
            dependencies: [
                "BillfoldCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BillfoldMail",
            dependencies: [
                "BillfoldCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BillfoldWebhooks",
            dependencies: [
                "BillfoldCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BillfoldStore",
            dependencies: [
                "BillfoldCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BillfoldEngine",
            dependencies: [
                "BillfoldCore",
                "BillfoldDocuments",
                "BillfoldMail",
                "BillfoldPayments",
                "BillfoldStore",
                "BillfoldWebhooks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BillfoldServer",
            dependencies: [
                "BillfoldCore",
                "BillfoldEngine",
                "BillfoldMail",
                "BillfoldPayments",
                "BillfoldStore",
                "BillfoldWebhooks",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "billfold",
            dependencies: [
                "BillfoldCore",
                "BillfoldEngine",
                "BillfoldServer",
                "BillfoldStore",
                "BillfoldWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "billfold-bench",
            dependencies: [
                "BillfoldCore",
                "BillfoldDocuments",
                "BillfoldEngine",
                "BillfoldMail",
                "BillfoldStore",
                "BillfoldWebhooks",
                "ChildProcesses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ChildProcessesTests", dependencies: ["ChildProcesses"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BillfoldCoreTests",
            dependencies: [
                "BillfoldCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BillfoldDocumentsTests",
            dependencies: ["BillfoldCore", "BillfoldDocuments", "ChildProcesses"],
            resources: [.copy("Golden")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BillfoldPaymentsTests",
            dependencies: [
                "BillfoldCore",
                "BillfoldPayments",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BillfoldMailTests",
            dependencies: ["BillfoldCore", "BillfoldMail", "BillfoldTestSupport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BillfoldTestSupport",
            dependencies: [
                "BillfoldCore",
                "BillfoldPayments",
                "BillfoldStore",
                "ChildProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ],
            path: "Tests/BillfoldTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BillfoldStoreTests",
            dependencies: ["BillfoldCore", "BillfoldStore", "BillfoldTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BillfoldEngineTests",
            dependencies: [
                "BillfoldCore", "BillfoldEngine", "BillfoldMail", "BillfoldPayments", "BillfoldStore",
                "BillfoldTestSupport", "BillfoldWebhooks",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BillfoldServerTests",
            dependencies: [
                "BillfoldCore",
                "BillfoldEngine",
                "BillfoldPayments",
                "BillfoldServer",
                "BillfoldStore",
                "BillfoldTestSupport",
                "BillfoldWebhooks",
                "ChildProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
