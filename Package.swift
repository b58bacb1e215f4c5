// swift-tools-version:6.0
// The layout is the architecture: each library target is one layer, and a target
// depends only on layers below it:
//   MPI binding → tensors → learning (NN) → experiment abstractions → on-policy
//   engine → built-in tasks and experiments → command line → `exptrain`.
// Small helpers (random numbers, file formats, logs) sit beside the layer that needs them.
import PackageDescription

let package = Package(
    name: "exptrain",
    products: [
        .executable(name: "exptrain", targets: ["exptrain"]),
        .library(name: "ExptrainCLI", targets: ["ExptrainCLI"]),
        .library(name: "ExptrainExperiment", targets: ["ExptrainExperiment"]),
        .library(name: "ExptrainExperiments", targets: ["ExptrainExperiments"]),
        .library(name: "ExptrainNN", targets: ["ExptrainNN"]),
        .library(name: "ExptrainRandom", targets: ["ExptrainRandom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // MPI binding: the only code that calls MPI.
        .target(name: "ExptrainMPI", dependencies: ["CMPI"]),
        // Seedable random numbers with saveable state.
        .target(name: "ExptrainRandom"),
        // Tensors and reverse-mode autodiff over OpenBLAS.
        .target(name: "ExptrainTensor", dependencies: ["COpenBLAS", "ExptrainRandom"]),
        // Learning: layers, distributions, optimisers, actor-critic models.
        .target(name: "ExptrainNN", dependencies: ["ExptrainTensor", "ExptrainRandom"]),
        // Experiment abstractions: what a user writes against.
        .target(name: "ExptrainExperiment", dependencies: ["ExptrainNN", "ExptrainRandom"]),
        // File formats the engine writes: checkpoints and logs.
        .target(name: "ExptrainIO"),
        .target(name: "ExptrainCheckpoint", dependencies: ["ExptrainIO"]),
        .target(name: "ExptrainMetricsLog", dependencies: ["ExptrainIO"]),
        // The distributed on-policy engine.
        .target(
            name: "ExptrainEngine",
            dependencies: [
                "ExptrainExperiment", "ExptrainNN", "ExptrainTensor", "ExptrainMPI", "ExptrainRandom",
                "ExptrainCheckpoint", "ExptrainMetricsLog",
            ]),
        // Built-in tasks (CartPole, MiniGrid) and experiments.
        .target(name: "ExptrainTasks", dependencies: ["ExptrainExperiment", "ExptrainRandom"]),
        .target(name: "ExptrainExperiments", dependencies: ["ExptrainExperiment", "ExptrainNN", "ExptrainTasks"]),
        // The command line as a library entry point, and the executable.
        .target(
            name: "ExptrainCLI",
            dependencies: [
                "ExptrainEngine", "ExptrainExperiment", "ExptrainMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "exptrain", dependencies: ["ExptrainCLI", "ExptrainExperiments"]),
        // Benchmarks; CMPI only for the raw MPI_Allreduce that ours is measured against.
        .executableTarget(
            name: "exptrain-bench",
            dependencies: ["ExptrainNN", "ExptrainTensor", "COpenBLAS", "ExptrainMPI", "CMPI", "ExptrainTasks", "ExptrainExperiment"]),

        .testTarget(name: "ExptrainMPITests", dependencies: ["ExptrainMPI"]),
        .testTarget(name: "ExptrainRandomTests", dependencies: ["ExptrainRandom"]),
        .testTarget(name: "ExptrainTensorTests", dependencies: ["ExptrainTensor", "ExptrainRandom"]),
        .testTarget(name: "ExptrainNNTests", dependencies: ["ExptrainNN", "ExptrainTensor", "ExptrainRandom"]),
        .testTarget(name: "ExptrainExperimentTests", dependencies: ["ExptrainExperiment"]),
        .testTarget(name: "ExptrainCheckpointTests", dependencies: ["ExptrainCheckpoint"]),
        .testTarget(name: "ExptrainMetricsLogTests", dependencies: ["ExptrainMetricsLog"]),
        .testTarget(name: "ExptrainEngineTests", dependencies: ["ExptrainEngine"]),
        .testTarget(name: "ExptrainTasksTests", dependencies: ["ExptrainTasks", "ExptrainExperiment", "ExptrainRandom"]),
        .executableTarget(
            name: "exptrain-harness",
            dependencies: ["ExptrainCLI", "ExptrainExperiment", "ExptrainExperiments", "ExptrainNN", "ExptrainTasks"],
            path: "Tests/Harness"),
        .testTarget(name: "IntegrationTests", dependencies: ["exptrain", "exptrain-harness"]),
    ]
)
