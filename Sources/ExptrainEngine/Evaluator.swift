import ExptrainExperiment
import ExptrainMetricsLog
import ExptrainMPI
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import Foundation

/// What one checkpoint achieved on the validation or test set, over all ranks.
public struct EvaluationResult: Sendable {
    public var mode: RunMode
    public var step: Int
    public var checkpoint: String
    public var episodes: Int
    public var meanReturn: Double?
    public var meanLength: Double?
    public var success: Double?

    /// The result as a log record (`metrics.jsonl` style).
    var record: [(String, MetricValue)] {
        [
            ("step", .integer(step)), ("episodes", .integer(episodes)),
            ("episode_return", meanReturn.map { .number($0) } ?? .null),
            ("episode_length", meanLength.map { .number($0) } ?? .null),
            ("success", success.map { .number($0) } ?? .null),
        ]
    }

    /// The result as a JSON object.
    public var json: [String: Any] {
        [
            "mode": mode.rawValue, "step": step, "checkpoint": checkpoint, "episodes": episodes,
            "episode_return": meanReturn ?? NSNull(), "episode_length": meanLength ?? NSNull(),
            "success": success ?? NSNull(),
        ]
    }
}

/// Evaluates a model on an experiment's validation or test tasks, split across ranks
/// by the experiment's `validTaskSamplerArgs` / `testTaskSamplerArgs`.
struct Evaluator<Experiment: ExperimentConfig> {
    let experiment: Experiment
    let context: RunContext
    let options: RunOptions

    /// Evaluates `model` (identical on every rank), its observations normalised by the
    /// frozen `normalizer` when the run normalises them; `nil` when the experiment has no
    /// tasks for `mode`.
    func evaluate(
        model: Experiment.Model, normalizer: ObservationNormalizer?, mode: RunMode, seeds: [UInt64], step: Int, checkpoint: String
    ) throws -> EvaluationResult? {
        let world = context.world
        let machine = try experiment.checkedMachineParams(mode: mode)
        let slot = try context.slot(gpuIDs: machine.gpuIDs, seeds: seeds, options: options)
        let args = try experiment.taskSamplerArgs(mode: mode, slot: slot)
        // Every rank must agree, or some would wait in a collective the others skip.
        let agreeing = try world.allReduce(Int64(args == nil ? 0 : 1), .sum, label: "\(mode) sampler args")
        guard agreeing == Int64(world.size) else {
            if agreeing == 0 { return nil }
            throw ExperimentError("\(Experiment.tag): \(mode) sampler args are nil on some ranks and not on others; return args on every rank or on none")
        }
        let sampler = try context.agreeing(on: "make its \(mode) sampler") { try experiment.makeSampler(args!) }
        var generator = RandomGenerator(seed: slot.seed ^ 0x5EED_E7A1_0000_0000)
        let local = try PolicyEvaluation.run(
            sampler: sampler, model: model, environments: try machine.environmentsPerProcess(totalProcesses: world.size)[world.rank],
            normalizer: normalizer,
            generator: &generator)
        var sums = local.sums
        try world.allReduce(&sums, .sum, label: "\(mode) episode sums")
        let total = PolicyEvaluation(sums: sums)
        return EvaluationResult(
            mode: mode, step: step, checkpoint: checkpoint, episodes: Int(total.episodes),
            meanReturn: total.episodes > 0 ? total.returnSum / total.episodes : nil,
            meanLength: total.episodes > 0 ? total.lengthSum / total.episodes : nil,
            success: total.successEpisodes > 0 ? total.successSum / total.successEpisodes : nil)
    }

    /// `--mode valid|test`: evaluates the checkpoint at `options.checkpoint`, or every
    /// checkpoint of the run folder it names, writes `<mode>-results.json` next to them
    /// (rank 0) and returns the results.
    func evaluateCheckpoints(mode: RunMode) throws -> [EvaluationResult] {
        let world = context.world
        guard let target = options.checkpoint else {
            throw ExperimentError("--mode \(mode) needs --checkpoint FILE (one checkpoint) or --checkpoint RUN_FOLDER (each of its checkpoints)")
        }
        var listing = ""
        if world.rank == 0 {
            listing = Self.checkpointFiles(at: target).joined(separator: "\n")
        }
        try world.broadcast(&listing, root: 0, label: "checkpoint list")
        let files = listing.split(separator: "\n").map(String.init)
        guard !files.isEmpty else {
            throw CheckpointError("no checkpoint at \(target): pass a .safetensors file or a run folder with checkpoints/")
        }
        let seeds = try RunSeeds.broadcast(seed: options.seed, over: world)
        let model = try context.agreeing(on: "create the model") { try experiment.createModel(seed: seeds.seeds[0]) }
        var results: [EvaluationResult] = []
        for file in files {
            let contents = try TrainerCheckpoint.readBroadcast(file, over: world)
            try TrainerCheckpoint.restoreParameters(from: contents, path: file, tag: Experiment.tag, into: model.parameters)
            let step = Int(contents.metadata["total_steps"] ?? "") ?? 0
            let normalizer = try TrainerCheckpoint.frozenObservationNormalizer(from: contents, path: file, experiment: experiment)
            guard let result = try evaluate(model: model, normalizer: normalizer, mode: mode, seeds: seeds.seeds, step: step, checkpoint: file) else {
                throw ExperimentError("\(Experiment.tag) has no \(mode) tasks: its \(mode == .test ? "testTaskSamplerArgs" : "validTaskSamplerArgs") returns nil")
            }
            results.append(result)
            if world.rank == 0 {
                let line = try JSONSerialization.data(withJSONObject: result.json, options: [.sortedKeys])
                print(String(decoding: line, as: UTF8.self))
            }
        }
        if world.rank == 0 {
            let folder = Self.resultsFolder(for: files[0])
            let path = "\(folder)/\(mode.rawValue)-results.json"
            let data = try JSONSerialization.data(withJSONObject: results.map(\.json), options: [.prettyPrinted, .sortedKeys])
            guard FileManager.default.createFile(atPath: path, contents: data) else {
                throw ExptrainRunError("cannot write \(path); check the folder's permissions")
            }
            context.info("wrote \(path)")
        }
        return results
    }

    /// The checkpoint files `target` names: itself, or those of a run folder (or its `checkpoints/`).
    static func checkpointFiles(at target: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [target] }
        let inFolder = RunDirectory.checkpoints(inFolder: target)
        return inFolder.isEmpty ? RunDirectory(path: target).checkpoints() : inFolder
    }

    /// The run folder of a checkpoint in `<run>/checkpoints/`, else the checkpoint's folder.
    static func resultsFolder(for checkpoint: String) -> String {
        let folder = URL(fileURLWithPath: checkpoint).deletingLastPathComponent()
        return folder.lastPathComponent == "checkpoints" ? folder.deletingLastPathComponent().path : folder.path
    }
}
