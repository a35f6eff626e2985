// swift-tools-version:6.2
import PackageDescription

// Trestle: a multi-protocol chat bridge that runs as an XMPP server component.
// The folders say where things are: Sources/ holds the core (XML stream,
// XMPP component, config, executable), Bridges/ one target per network adapter.

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Trestle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "trestle", targets: ["trestle"]),
        .library(name: "XMLStream", targets: ["XMLStream"]),
        .library(name: "XMPPCore", targets: ["XMPPCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // expat, the XML parser every byte from the XMPP server goes through.
        .systemLibrary(
            name: "CExpat",
            pkgConfig: "expat",
            providers: [.apt(["libexpat1-dev"])]
        ),
        // libxml2's HTML parser, for the HTML of Matrix messages.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // Incremental, namespace-aware XMPP stream parsing and serialisation.
        .target(name: "XMLStream", dependencies: ["CExpat"], swiftSettings: swiftSettings),
        // JIDs, stanzas, stanza errors, the XEP-0114 component connection and
        // the answers every component owes (disco, ping, version).
        .target(
            name: "XMPPCore",
            dependencies: [
                "XMLStream", "BridgeKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The bridge framework: the common message model, the adapter API,
        // the router, and the store protocol. Knows no network.
        .target(
            name: "BridgeKit",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The default store: one SQLite file (GRDB), WAL, migrated on start.
        .target(
            name: "SQLiteStore",
            dependencies: ["BridgeKit", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The XMPP endpoint: bridged rooms as MUC rooms (XEP-0045), history
        // and MAM, corrections, retractions, reactions, replies.
        .target(
            name: "XMPPRooms",
            dependencies: [
                "XMPPCore", "BridgeKit", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // External plugins: a process in any language, speaking JSON lines
        // over its stdin and stdout (Bridges/Process/PROTOCOL.md).
        .target(
            name: "ProcessPlugins",
            dependencies: [
                "BridgeKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Bridges/Process",
            exclude: ["PROTOCOL.md"],
            swiftSettings: swiftSettings
        ),
        // The IRC adapter: the protocol layer (messages, tags, CTCP,
        // formatting, splitting), connections (registration, TLS, flood
        // control, reconnects) and the adapter (relay and puppet channels).
        .target(
            name: "IRCBridge",
            dependencies: [
                "BridgeKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Bridges/IRC",
            swiftSettings: swiftSettings
        ),
        // Slack-style webhooks: incoming hooks (HTTP POST into a room, served
        // with Hummingbird) and outgoing hooks (every message POSTed out with
        // AsyncHTTPClient, retried from a queue kept in the store).
        .target(
            name: "WebhookBridge",
            dependencies: [
                "BridgeKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Bridges/Webhook",
            swiftSettings: swiftSettings
        ),
        // The Matrix adapter: Trestle as an application service. The
        // application service API (served with Hummingbird), the client-server
        // API as puppets (AsyncHTTPClient), HTML <-> rich text (libxml2).
        .target(
            name: "MatrixBridge",
            dependencies: [
                "BridgeKit", "CLibXML2",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Bridges/Matrix",
            swiftSettings: swiftSettings
        ),
        // Helpers for testing adapters and stores: a recording adapter, the
        // store conformance checks.
        .target(name: "BridgeTesting", dependencies: ["BridgeKit"], swiftSettings: swiftSettings),
        // The YAML configuration file, read into typed settings with errors
        // that name the file, line and key.
        .target(
            name: "TrestleConfig",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "trestle",
            dependencies: [
                "XMPPCore", "TrestleConfig", "BridgeKit", "XMPPRooms", "SQLiteStore", "ProcessPlugins", "IRCBridge", "WebhookBridge",
                "MatrixBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmarks and fuzzing (see README, "Benchmarks" and "Fuzzing").
        // Raw expat in C, the reference the Swift parser is measured against.
        .target(name: "CExpatBaseline", dependencies: ["CExpat"]),
        .executableTarget(
            name: "trestle-bench",
            dependencies: ["XMLStream", "CExpatBaseline", "BridgeKit", "SQLiteStore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Hummingbird answering `POST /hooks/{token}` with nothing behind it:
        // the reference for the webhook benchmark.
        .executableTarget(
            name: "webhook-ceiling",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The least an application service on Trestle's HTTP stack does per
        // Matrix event: the reference for the Matrix benchmark's CPU figures.
        .executableTarget(
            name: "matrix-floor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "xml-fuzz", dependencies: ["XMLStream"], swiftSettings: swiftSettings),
        .executableTarget(name: "irc-fuzz", dependencies: ["IRCBridge", "BridgeKit"], swiftSettings: swiftSettings),

        .testTarget(name: "XMLStreamTests", dependencies: ["XMLStream"], swiftSettings: swiftSettings),
        .testTarget(name: "XMPPCoreTests", dependencies: ["XMPPCore", "BridgeKit"], swiftSettings: swiftSettings),
        .testTarget(name: "BridgeKitTests", dependencies: ["BridgeKit", "BridgeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "XMPPRoomsTests", dependencies: ["XMPPRooms", "BridgeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "ProcessPluginsTests", dependencies: ["ProcessPlugins", "BridgeTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IRCBridgeTests",
            dependencies: [
                "IRCBridge", "BridgeTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebhookBridgeTests",
            dependencies: [
                "WebhookBridge", "BridgeTesting", "SQLiteStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MatrixBridgeTests",
            dependencies: [
                "MatrixBridge", "BridgeTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["SQLiteStore", "BridgeTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "TrestleConfigTests", dependencies: ["TrestleConfig"], swiftSettings: swiftSettings),
    ]
)
