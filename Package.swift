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
        .target(name: "ExptrainExperiment", dependencies: ["ExptrainRandom"]),
        .target(name: "ExptrainTasks", dependencies: ["ExptrainExperiment", "ExptrainRandom"]),
        .target(
            name: "ExptrainCLI",
            dependencies: [
                "ExptrainMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "exptrain", dependencies: ["ExptrainCLI"]),
        .testTarget(name: "ExptrainMPITests", dependencies: ["ExptrainMPI"]),
        .testTarget(name: "ExptrainRandomTests", dependencies: ["ExptrainRandom"]),
        .testTarget(name: "ExptrainTasksTests", dependencies: ["ExptrainTasks", "ExptrainExperiment", "ExptrainRandom"]),
        .testTarget(name: "IntegrationTests", dependencies: ["exptrain"]),
    ]
)
