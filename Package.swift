// swift-tools-version:6.0
// The layout is the architecture: each library target is one layer, and a target
// depends only on layers below it:
//   environment API (leaf) · MPI binding → tensors → learning (NN) → on-policy parts →
//   experiment abstractions → on-policy engine → built-in tasks and experiments →
//   command line → `exptrain`. ONNX export sits on the on-policy parts, beside the engine.
// The environment API (tasks, samplers, spaces) depends on nothing, so a task never links
// BLAS. Small helpers (random numbers, file formats, logs) sit beside the layer that needs them.
import PackageDescription

let package = Package(
    name: "exptrain",
    products: [
        .executable(name: "exptrain", targets: ["exptrain"]),
        .library(name: "ExptrainCLI", targets: ["ExptrainCLI"]),
        .library(name: "ExptrainCheckpoint", targets: ["ExptrainCheckpoint"]),
        .library(name: "ExptrainEnvironment", targets: ["ExptrainEnvironment"]),
        .library(name: "ExptrainOnPolicy", targets: ["ExptrainOnPolicy"]),
        .library(name: "ExptrainTasks", targets: ["ExptrainTasks"]),
        .library(name: "ExptrainExperiment", targets: ["ExptrainExperiment"]),
        .library(name: "ExptrainExperiments", targets: ["ExptrainExperiments"]),
        .library(name: "ExptrainExport", targets: ["ExptrainExport"]),
        .library(name: "ExptrainGymnasium", targets: ["ExptrainGymnasium"]),
        .library(name: "ExptrainNN", targets: ["ExptrainNN"]),
        .library(name: "ExptrainRandom", targets: ["ExptrainRandom"]),
        .library(name: "ExptrainTensor", targets: ["ExptrainTensor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // The processor: its instruction sets, its subnormal mode, and the element-wise
        // kernels of training compiled for AVX2 and AVX-512 (chosen at run time).
        .target(name: "CVectorKernels"),

        // The environment API: tasks, samplers, spaces, actions, observations. No dependencies.
        .target(name: "ExptrainEnvironment"),
        // MPI binding: the only code that calls MPI.
        .target(name: "ExptrainMPI", dependencies: ["CMPI"]),
        // Seedable random numbers with saveable state.
        .target(name: "ExptrainRandom"),
        // Tensors and reverse-mode autodiff over OpenBLAS.
        .target(name: "ExptrainTensor", dependencies: ["COpenBLAS", "CVectorKernels", "ExptrainRandom"]),
        // Learning: layers, distributions, optimisers, actor-critic models.
        .target(name: "ExptrainNN", dependencies: ["ExptrainTensor", "CVectorKernels", "ExptrainRandom", "ExptrainEnvironment"]),
        // On-policy parts without MPI: rollout storage, minibatches, advantage estimation,
        // losses, the policy stepper and the rollout collector.
        .target(name: "ExptrainOnPolicy", dependencies: ["ExptrainNN", "ExptrainTensor", "ExptrainRandom", "ExptrainEnvironment"]),
        // Experiment abstractions: what a user writes against.
        .target(name: "ExptrainExperiment", dependencies: ["ExptrainEnvironment", "ExptrainNN", "ExptrainOnPolicy", "ExptrainRandom"]),
        // File formats the engine writes: checkpoints, logs, the protobuf wire format.
        .target(name: "ExptrainIO"),
        .target(name: "ExptrainCheckpoint", dependencies: ["ExptrainIO"]),
        .target(name: "ExptrainMetricsLog", dependencies: ["ExptrainIO"]),
        // The distributed on-policy engine.
        .target(
            name: "ExptrainEngine",
            dependencies: [
                "ExptrainExperiment", "ExptrainEnvironment", "ExptrainOnPolicy", "ExptrainNN", "ExptrainTensor",
                "ExptrainMPI", "ExptrainRandom", "ExptrainCheckpoint", "ExptrainMetricsLog",
            ]),
        // A policy as an ONNX model: the graph builder, and the models' conformances.
        .target(name: "ExptrainExport", dependencies: ["ExptrainNN", "ExptrainOnPolicy", "ExptrainIO", "ExptrainEnvironment"]),
        // Built-in tasks (CartPole, MiniGrid): the environment API and random numbers only.
        .target(name: "ExptrainTasks", dependencies: ["ExptrainEnvironment", "ExptrainRandom"]),
        // The Gymnasium bridge: any Gymnasium environment as a task sampler, through one
        // Python worker per rank (its script is compiled in). No numerics, no MPI.
        .target(
            name: "ExptrainGymnasium", dependencies: ["ExptrainEnvironment", "ExptrainRandom"],
            resources: [.embedInCode("Resources/gymnasium_worker.py")]),
        // Built-in experiments.
        .target(name: "ExptrainExperiments", dependencies: ["ExptrainExperiment", "ExptrainNN", "ExptrainTasks", "ExptrainGymnasium"]),
        // The command line as a library entry point, and the executable.
        .target(
            name: "ExptrainCLI",
            dependencies: [
                "ExptrainEngine", "ExptrainEnvironment", "ExptrainExperiment", "ExptrainExport", "ExptrainMPI", "ExptrainMetricsLog", "ExptrainTensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "exptrain", dependencies: ["ExptrainCLI", "ExptrainExperiments"]),
        // Benchmarks; CMPI only for the raw MPI_Allreduce that ours is measured against.
        .executableTarget(
            name: "exptrain-bench",
            dependencies: [
                "ExptrainNN", "ExptrainTensor", "COpenBLAS", "ExptrainMPI", "CMPI", "ExptrainTasks", "ExptrainExperiment",
                "ExptrainOnPolicy", "ExptrainEnvironment", "ExptrainGymnasium",
            ]),

        .testTarget(name: "ExptrainEnvironmentTests", dependencies: ["ExptrainEnvironment"]),
        .testTarget(name: "ExptrainOnPolicyTests", dependencies: ["ExptrainOnPolicy", "ExptrainNN", "ExptrainTensor", "ExptrainEnvironment", "ExptrainRandom"]),
        .testTarget(name: "ExptrainMPITests", dependencies: ["ExptrainMPI"]),
        .testTarget(name: "ExptrainRandomTests", dependencies: ["ExptrainRandom"]),
        .testTarget(name: "ExptrainTensorTests", dependencies: ["ExptrainTensor", "CVectorKernels", "ExptrainRandom"]),
        .testTarget(name: "ExptrainNNTests", dependencies: ["ExptrainNN", "ExptrainTensor", "ExptrainRandom", "ExptrainEnvironment"]),
        .testTarget(name: "ExptrainExperimentTests", dependencies: ["ExptrainExperiment"]),
        .testTarget(name: "ExptrainCheckpointTests", dependencies: ["ExptrainCheckpoint"]),
        .testTarget(name: "ExptrainMetricsLogTests", dependencies: ["ExptrainMetricsLog", "ExptrainIO"]),
        .testTarget(name: "ExptrainExportTests", dependencies: ["ExptrainExport", "ExptrainEnvironment", "ExptrainNN", "ExptrainOnPolicy", "ExptrainRandom", "ExptrainTensor"]),
        .testTarget(name: "ExptrainEngineTests", dependencies: ["ExptrainEngine", "ExptrainOnPolicy", "ExptrainNN"]),
        .testTarget(name: "ExptrainTasksTests", dependencies: ["ExptrainTasks", "ExptrainEnvironment", "ExptrainRandom"]),
        .testTarget(name: "ExptrainGymnasiumTests", dependencies: ["ExptrainGymnasium", "ExptrainEnvironment", "ExptrainRandom", "ExptrainTasks"]),
        .executableTarget(
            name: "exptrain-harness",
            dependencies: [
                "ExptrainCLI", "ExptrainEngine", "ExptrainEnvironment", "ExptrainExperiment", "ExptrainExperiments", "ExptrainExport", "ExptrainNN",
                "ExptrainOnPolicy", "ExptrainTasks", "ExptrainTensor",
            ],
            path: "Tests/Harness"),
        .testTarget(name: "IntegrationTests", dependencies: ["exptrain", "exptrain-harness"]),
    ]
)
