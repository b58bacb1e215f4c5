// swift-tools-version:6.0
// The layout is the architecture: each library target is one layer, and a target
// depends only on the layers below it (MPI binding → tensors → learning →
// experiment abstractions → engine → tasks and experiments → command line).
import PackageDescription

let package = Package(
    name: "exptrain",
    products: [
        .executable(name: "exptrain", targets: ["exptrain"]),
        .library(name: "ExptrainCLI", targets: ["ExptrainCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "ExptrainMPI", dependencies: ["CMPI"]),
        .target(name: "ExptrainRandom"),
        .target(name: "ExptrainTensor", dependencies: ["COpenBLAS", "ExptrainRandom"]),
        .target(name: "ExptrainNN", dependencies: ["ExptrainTensor", "ExptrainRandom"]),
        .target(name: "ExptrainExperiment", dependencies: ["ExptrainNN", "ExptrainRandom"]),
        .target(name: "ExptrainIO"),
        .target(name: "ExptrainCheckpoint", dependencies: ["ExptrainIO"]),
        .target(name: "ExptrainMetricsLog", dependencies: ["ExptrainIO"]),
        .target(name: "ExptrainEngine", dependencies: ["ExptrainExperiment", "ExptrainMPI", "ExptrainRandom"]),
        .target(
            name: "ExptrainCLI",
            dependencies: [
                "ExptrainMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "exptrain", dependencies: ["ExptrainCLI"]),
        .executableTarget(name: "exptrain-bench", dependencies: ["ExptrainNN", "ExptrainTensor", "COpenBLAS"]),
        .testTarget(name: "ExptrainMPITests", dependencies: ["ExptrainMPI"]),
        .testTarget(name: "ExptrainRandomTests", dependencies: ["ExptrainRandom"]),
        .testTarget(name: "ExptrainTensorTests", dependencies: ["ExptrainTensor", "ExptrainRandom"]),
        .testTarget(name: "ExptrainNNTests", dependencies: ["ExptrainNN", "ExptrainTensor", "ExptrainRandom"]),
        .testTarget(name: "ExptrainExperimentTests", dependencies: ["ExptrainExperiment"]),
        .testTarget(name: "ExptrainCheckpointTests", dependencies: ["ExptrainCheckpoint"]),
        .testTarget(name: "ExptrainMetricsLogTests", dependencies: ["ExptrainMetricsLog"]),
        .testTarget(name: "ExptrainEngineTests", dependencies: ["ExptrainEngine"]),
        .testTarget(name: "IntegrationTests", dependencies: ["exptrain"]),
    ]
)
