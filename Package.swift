// swift-tools-version:6.0
import PackageDescription

// Dependencies are kept few on purpose: a first debug build on 2 cores stays under a minute.
// - swift-argument-parser: the `ingestd` and `ingestd-sim` command lines.
// - Yams: YAML config; its node marks give the line of every key for error messages.
// - swift-log: structured logs to stdout (journald).
// - swift-service-lifecycle: start order, signals and shutdown in reverse order (ServiceGroup);
//   it brings only swift-async-algorithms and swift-collections besides swift-log.
// - swift-metrics + swift-prometheus: the Prometheus metrics on /metrics (swift-prometheus
//   brings swift-atomics).
// - No HTTP server package: the endpoint (/metrics, /healthz, /readyz) is a small HTTP/1.1
//   server of ours over POSIX sockets and poll(2) (IngestRuntime/Observability/HTTP), because
//   it must bound what a client costs: the head's size, line count and deadline, the write
//   deadline, the connections held. FlyingFox, used before, has none of these (its timeout
//   bounds only the handler; it starts a task per connection without a cap), and Hummingbird
//   (swift-nio and its kin) took 194 CPU s for a first debug build against FlyingFox's 26:
//   three GET routes do not need an event-loop stack.
let package = Package(
    name: "ingestd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingestd", targets: ["ingestd"]),
        .executable(name: "ingestd-sim", targets: ["ingestd-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "Mosquitto", dependencies: ["CMosquitto"]),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        .target(
            name: "IngestCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "IngestRuntime",
            dependencies: [
                "IngestCore", "Mosquitto", "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "ingestd",
            dependencies: [
                "IngestCore", "IngestRuntime", "Mosquitto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ingestd-sim",
            // A device knows nothing of ingestd: only the MQTT wrapper.
            dependencies: [
                "Mosquitto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "simulator"
        ),
        .testTarget(name: "IngestCoreTests", dependencies: ["IngestCore"]),
        // The simulator's plans, tested through `@testable import ingestd_sim` (SwiftPM lets a
        // test target depend on an executable target): no library target just for the tests.
        .testTarget(name: "SimulatorTests", dependencies: ["ingestd-sim"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["IngestCore", "IngestRuntime", "PostgresClient", "Mosquitto"]
        ),
    ]
)
