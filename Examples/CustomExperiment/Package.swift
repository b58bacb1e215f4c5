// swift-tools-version:6.0
// An example of a user's own package: it depends on exptrain's libraries, defines a
// task and an experiment, and runs them through exptrain's command line.
import PackageDescription

let package = Package(
    name: "CustomExperiment",
    dependencies: [
        // In your package: .package(url: "<your exptrain git URL>", branch: "main")
        .package(name: "exptrain", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "my-exptrain",
            dependencies: [
                .product(name: "ExptrainCLI", package: "exptrain"),
                .product(name: "ExptrainExperiment", package: "exptrain"),
                .product(name: "ExptrainExperiments", package: "exptrain"),
                .product(name: "ExptrainNN", package: "exptrain"),
                .product(name: "ExptrainRandom", package: "exptrain"),
                .product(name: "ExptrainTensor", package: "exptrain"),
            ],
            path: "Sources/MyExperiments"),
    ]
)
