// swift-tools-version:6.0
// Coverage-guided fuzzing harnesses (libFuzzer) for exptrain's parsers of outside input:
// checkpoints (safetensors), `--config` pairs with the built-in experiments' typed reads,
// and the frames a Gymnasium worker sends. A package of its own, so that the
// instrumentation (`-sanitize=fuzzer,address`) never touches the main build:
// `scripts/fuzz.sh` builds and runs it. Each harness calls the real parsers through
// their public entry points.
import PackageDescription

let package = Package(
    name: "exptrain-fuzz",
    dependencies: [.package(name: "exptrain", path: "..")],
    targets: [
        // libFuzzer's driver, called from each harness's entry point.
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "fuzz-safetensors",
            dependencies: ["FuzzDriver", .product(name: "ExptrainCheckpoint", package: "exptrain")]),
        .executableTarget(
            name: "fuzz-config",
            dependencies: [
                "FuzzDriver",
                .product(name: "ExptrainExperiment", package: "exptrain"),
                .product(name: "ExptrainExperiments", package: "exptrain"),
            ]),
        .executableTarget(
            name: "fuzz-bridge",
            dependencies: [
                "FuzzDriver",
                .product(name: "ExptrainGymnasium", package: "exptrain"),
                .product(name: "ExptrainEnvironment", package: "exptrain"),
            ]),
    ]
)
