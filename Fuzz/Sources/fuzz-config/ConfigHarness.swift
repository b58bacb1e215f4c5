import ExptrainExperiment
import ExptrainExperiments
import FuzzDriver

@main
enum ConfigFuzzer {
    static func main() {
        runLibFuzzer(fuzzConfig)
    }
}

/// One input is a list of `--config` arguments, one a line.
///
/// Every built-in experiment reads them as `exptrain <tag> --config …` would before a run
/// starts: `ConfigOverrides`, the experiment's typed reads in `init(overrides:)`, the
/// unknown-key check, the machine parameters of each mode and their split over 1 to 3
/// processes, the training pipeline's validation and the sampler arguments of every
/// slot. Each either succeeds or throws an error of one line; a trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    // Command-line arguments reach Swift as repaired UTF-8 without NUL bytes.
    let lines = UnsafeBufferPointer(start: data, count: size).filter { $0 != 0 }.split(separator: 10, omittingEmptySubsequences: false)
    let pairs = lines.map { String(decoding: $0, as: UTF8.self) }
    for experiment in BuiltinExperiments.all {
        read(pairs, into: experiment)
    }
    return 0
}

private func read<Experiment: ExperimentConfig>(_ pairs: [String], into _: Experiment.Type) {
    do {
        let overrides = try ConfigOverrides(pairs)
        let experiment = try Experiment(overrides: overrides)
        try overrides.checkAllKeysKnown(experiment: Experiment.tag)
        let pipeline = try experiment.trainingPipeline()
        for mode in [RunMode.train, .valid, .test] {
            let machine = try experiment.checkedMachineParams(mode: mode)
            for worldSize in 1...3 {
                let environments = try machine.environmentsPerProcess(totalProcesses: worldSize)
                if mode == .train {
                    for recurrent in [false, true] {
                        try pipeline.validate(experiment: Experiment.tag, environmentsPerProcess: environments.min()!, recurrent: recurrent)
                    }
                }
                let seeds = (0..<worldSize).map { UInt64($0) + 1 }
                for rank in 0..<worldSize {
                    let slot = try ProcessSlot(rank: rank, worldSize: worldSize, localRank: rank, gpuIDs: machine.gpuIDs, seeds: seeds)
                    _ = try experiment.taskSamplerArgs(mode: mode, slot: slot)
                }
            }
        }
    } catch {
        let message = "\(error)"
        precondition(!message.utf8.contains(10), "a --config error spans several lines: \(message)")
    }
}
