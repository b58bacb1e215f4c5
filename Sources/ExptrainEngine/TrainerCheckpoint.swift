import ExptrainCheckpoint
import ExptrainEnvironment
import ExptrainExperiment
import ExptrainMPI
import ExptrainNN
import ExptrainOnPolicy

/// Where a run stands, saved with the model in each checkpoint's `__metadata__`.
/// Nothing time-dependent is saved, so the same seed and world size give bit-identical
/// checkpoints.
struct TrainerState: Equatable {
    var totalSteps = 0
    var stageIndex = 0
    var stageSteps = 0
    var updates = 0
    var totalEpisodes = 0
    var seeds: [UInt64] = []
    var worldSize = 1
    /// Each rank's action generator state, indexed by rank.
    var generatorStates: [[UInt64]] = []
    /// Each rank's state in progress, indexed by rank (empty for a checkpoint from before
    /// it was saved, or one made with another world size).
    var progress: [RankProgress] = []
}

/// One rank's state in progress between two updates, saved so that a resumed run
/// continues exactly: under `progress.rank<r>.<tasks|continuation|episodes>` (U64).
struct RankProgress: Equatable {
    /// The task batch's state (`TaskBatch.savedProgress`): its sampler and running tasks;
    /// `nil` when they cannot save it.
    var tasks: [UInt64]?
    /// Where the collector's next rollout starts (`RolloutCollector.savedContinuation(of:)`).
    var continuation: [UInt64]
    /// The rank's interval sums and recent episodes (`EpisodeStatistics.savedProgress`).
    var episodes: [UInt64]

    /// The three as one array, for one variable-length all-gather: each part's length, then the part.
    var packed: [UInt64] {
        [tasks.map { UInt64($0.count) } ?? UInt64.max] + (tasks ?? [])
            + [UInt64(continuation.count)] + continuation + [UInt64(episodes.count)] + episodes
    }

    /// Unpacks `packed` (words this program packed on another rank).
    init(packed words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a rank's gathered progress")
        let taskCount = try reader.word()
        tasks = taskCount == UInt64.max ? nil : try reader.words(try Self.count(taskCount))
        continuation = try reader.words(try reader.count())
        episodes = try reader.words(try reader.count())
        try reader.finish()
    }

    init(tasks: [UInt64]?, continuation: [UInt64], episodes: [UInt64]) {
        self.tasks = tasks
        self.continuation = continuation
        self.episodes = episodes
    }

    private static func count(_ word: UInt64) throws -> Int {
        guard let count = Int(exactly: word) else { throw TaskError("a rank's gathered progress is corrupt") }
        return count
    }
}

/// The running normalisation statistics of a run (SPEC §10), as checkpoints keep them
/// under `normalization.<observation|reward>.<mean|variance|count>`.
struct NormalizationState {
    var observations: RunningMeanStd?
    var rewards: RunningMeanStd?
}

/// Writes and reads exptrain checkpoints: safetensors files with the model's
/// parameters under their layer names, the optimiser's buffers under `optimizer.*`,
/// the ranks' generator states under `rng.rank<r>`, their state in progress under
/// `progress.rank<r>.*` (see `RankProgress`), and the trainer state in
/// `__metadata__` (SPEC §6).
enum TrainerCheckpoint {
    static let formatVersion = "exptrain-checkpoint-1"

    /// The file name of the checkpoint at `totalSteps` (sorts by step).
    static func fileName(totalSteps: Int) -> String {
        let digits = String(totalSteps)
        return "step-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".safetensors"
    }

    /// Builds the file's contents (rank 0 writes it; every rank contributes its generator state beforehand).
    static func contents(
        tag: String, parameters: ParameterStore, optimizer: Optimizer, optimizerName: String, state: TrainerState,
        normalization: NormalizationState = NormalizationState()
    ) -> SafetensorsFile {
        var tensors: [NamedTensor] = []
        for entry in parameters.entries {
            tensors.append(NamedTensor(name: entry.name, shape: entry.shape, floats: parameters.values(of: entry.name)!))
        }
        let optimizerState = optimizer.state
        for buffer in optimizerState.buffers {
            tensors.append(NamedTensor(name: "optimizer.\(buffer.name)", floats: buffer.values))
        }
        for (rank, generator) in state.generatorStates.enumerated() {
            tensors.append(NamedTensor(name: "rng.rank\(rank)", uint64s: generator))
        }
        for (rank, progress) in state.progress.enumerated() {
            if let tasks = progress.tasks { tensors.append(NamedTensor(name: "progress.rank\(rank).tasks", uint64s: tasks)) }
            tensors.append(NamedTensor(name: "progress.rank\(rank).continuation", uint64s: progress.continuation))
            tensors.append(NamedTensor(name: "progress.rank\(rank).episodes", uint64s: progress.episodes))
        }
        for (kind, statistic) in [("observation", normalization.observations), ("reward", normalization.rewards)] {
            guard let statistic else { continue }
            tensors.append(NamedTensor(name: "normalization.\(kind).mean", doubles: statistic.mean))
            tensors.append(NamedTensor(name: "normalization.\(kind).variance", doubles: statistic.variance))
            tensors.append(NamedTensor(name: "normalization.\(kind).count", doubles: [statistic.count]))
        }
        let metadata: [String: String] = [
            "format": formatVersion,
            "tag": tag,
            "total_steps": String(state.totalSteps),
            "stage_index": String(state.stageIndex),
            "stage_steps": String(state.stageSteps),
            "updates": String(state.updates),
            "total_episodes": String(state.totalEpisodes),
            "seeds": state.seeds.map { String($0) }.joined(separator: ","),
            "world_size": String(state.worldSize),
            "optimizer": optimizerName,
            "optimizer_step_count": String(optimizerState.stepCount),
            "parameter_count": String(parameters.count),
        ]
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Reads `path` on rank 0 and broadcasts its bytes, so resuming needs no shared filesystem.
    static func readBroadcast(_ path: String, over world: Communicator) throws -> SafetensorsFile {
        var bytes: [UInt8] = []
        if world.rank == 0 {
            do {
                bytes = try SafetensorsFile.read(from: path).serialized()
            } catch {
                throw CheckpointError("cannot use checkpoint \(path): \(error)")
            }
        }
        try world.broadcast(&bytes, root: 0, label: "checkpoint \(path)")
        do {
            return try SafetensorsFile(bytes: bytes, source: path)
        } catch {
            throw CheckpointError("cannot use checkpoint \(path): \(error)")
        }
    }

    /// Loads the model's parameters from `file`, after checking it belongs to `tag`
    /// and has exactly the model's parameter names and shapes.
    static func restoreParameters(from file: SafetensorsFile, path: String, tag: String, into parameters: ParameterStore) throws {
        guard file.metadata["format"] == formatVersion else {
            throw CheckpointError("\(path) is not an exptrain checkpoint (no '\(formatVersion)' format in its metadata)")
        }
        guard file.metadata["tag"] == tag else {
            throw CheckpointError("\(path) was made by experiment '\(file.metadata["tag"] ?? "?")', not '\(tag)'; pass a checkpoint of \(tag)")
        }
        for entry in parameters.entries {
            guard let tensor = file.tensor(named: entry.name) else {
                throw CheckpointError("\(path) has no parameter '\(entry.name)': it was made for another model shape")
            }
            guard tensor.shape == entry.shape, tensor.elementType == .float32 else {
                throw CheckpointError("\(path): parameter '\(entry.name)' is \(tensor.elementType.rawValue) \(tensor.shape), the model has F32 \(entry.shape): it was made for another model shape")
            }
        }
        let modelNames = Set(parameters.names)
        if let extra = file.tensors.first(where: { !$0.name.hasPrefix("optimizer.") && !$0.name.hasPrefix("rng.") && !$0.name.hasPrefix("normalization.") && !$0.name.hasPrefix("progress.") && !modelNames.contains($0.name) }) {
            throw CheckpointError("\(path) has parameter '\(extra.name)' that the model lacks: it was made for another model shape")
        }
        let values = try parameters.entries.map { entry in try floats(file.tensor(named: entry.name)!, path) }
        parameters.withValues { buffer in
            for (entry, values) in zip(parameters.entries, values) {
                for i in 0..<entry.count { buffer[entry.offset + i] = values[i] }
            }
        }
    }

    /// The trainer state saved in `file`'s metadata and generator tensors.
    static func trainerState(from file: SafetensorsFile, path: String) throws -> TrainerState {
        var state = TrainerState()
        state.totalSteps = try integer("total_steps", file, path)
        state.stageIndex = try integer("stage_index", file, path)
        state.stageSteps = try integer("stage_steps", file, path)
        state.updates = try integer("updates", file, path)
        state.totalEpisodes = try integer("total_episodes", file, path)
        state.worldSize = try integer("world_size", file, path)
        state.seeds = (file.metadata["seeds"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard state.seeds.count == state.worldSize else {
            throw CheckpointError("\(path) lists \(state.seeds.count) seeds for \(state.worldSize) processes; it is corrupt")
        }
        for rank in 0..<state.worldSize {
            guard let tensor = file.tensor(named: "rng.rank\(rank)") else {
                throw CheckpointError("\(path) has no generator state for rank \(rank); it is corrupt")
            }
            let words = try uint64s(tensor, path)
            guard words.count == 4, words.contains(where: { $0 != 0 }) else {
                throw CheckpointError("\(path): generator state of rank \(rank) is not four non-zero words; it is corrupt")
            }
            state.generatorStates.append(words)
        }
        // Checkpoints from before exptrain saved the state in progress have none: resuming them restarts the episodes.
        if file.tensor(named: "progress.rank0.continuation") != nil {
            state.progress = try (0..<state.worldSize).map { rank in
                func words(_ part: String) throws -> [UInt64]? {
                    try file.tensor(named: "progress.rank\(rank).\(part)").map { try uint64s($0, path) }
                }
                guard let continuation = try words("continuation"), let episodes = try words("episodes") else {
                    throw CheckpointError("\(path) has no state in progress for rank \(rank) (continuation, episodes); it is corrupt")
                }
                return RankProgress(tasks: try words("tasks"), continuation: continuation, episodes: episodes)
            }
        }
        return state
    }

    /// The normalisation statistics saved in `file` (none for a run without normalisation).
    static func normalization(from file: SafetensorsFile, path: String) throws -> NormalizationState {
        func statistic(_ kind: String) throws -> RunningMeanStd? {
            guard let mean = file.tensor(named: "normalization.\(kind).mean") else { return nil }
            guard let variance = file.tensor(named: "normalization.\(kind).variance"),
                  let count = file.tensor(named: "normalization.\(kind).count") else {
                throw CheckpointError("\(path) has a \(kind) normalisation mean but no variance or count; it is corrupt")
            }
            let values = try [mean, variance, count].map { tensor in
                do { return try tensor.doubles() } catch { throw CheckpointError("\(path): \(error)") }
            }
            guard values[0].count == values[1].count, values[2].count == 1, values[1].allSatisfy({ $0 >= 0 && $0.isFinite }),
                  values[0].allSatisfy(\.isFinite), values[2][0] > 0 else {
                throw CheckpointError("\(path): the \(kind) normalisation statistic is malformed; it is corrupt")
            }
            return RunningMeanStd(mean: values[0], variance: values[1], count: values[2][0])
        }
        return NormalizationState(observations: try statistic("observation"), rewards: try statistic("reward"))
    }

    /// A frozen observation normaliser with `file`'s statistic, clipped as the experiment's
    /// pipeline says, for evaluating, recording or exporting a checkpoint; `nil` when the run
    /// did not normalise.
    static func frozenObservationNormalizer(
        from file: SafetensorsFile, path: String, experiment: some ExperimentConfig
    ) throws -> ObservationNormalizer? {
        let clip = try experiment.trainingPipeline().normalization.observationClip
        return try normalization(from: file, path: path).observations.map { ObservationNormalizer(statistic: $0, clip: clip, frozen: true) }
    }

    /// Restores `optimizer`'s step count and buffers from `file`.
    static func restoreOptimizer(
        from file: SafetensorsFile, path: String, into optimizer: Optimizer, name optimizerName: String, parameterCount: Int
    ) throws {
        guard file.metadata["optimizer"] == optimizerName else {
            throw CheckpointError("\(path) holds \(file.metadata["optimizer"] ?? "no") optimizer state, this stage uses \(optimizerName)")
        }
        var buffers: [(name: String, values: [Float])] = []
        for tensor in file.tensors where tensor.name.hasPrefix("optimizer.") {
            let values = try floats(tensor, path)
            guard values.count == parameterCount || values.isEmpty else {
                throw CheckpointError("\(path): optimizer buffer \(tensor.name) has \(values.count) values for \(parameterCount) parameters")
            }
            buffers.append((String(tensor.name.dropFirst("optimizer.".count)), values))
        }
        optimizer.state = OptimizerState(stepCount: try integer("optimizer_step_count", file, path), buffers: buffers)
    }

    private static func integer(_ key: String, _ file: SafetensorsFile, _ path: String) throws -> Int {
        guard let text = file.metadata[key], let value = Int(text) else {
            throw CheckpointError("\(path) has no valid '\(key)' in its metadata; it is corrupt or from an older exptrain")
        }
        return value
    }

    private static func floats(_ tensor: NamedTensor, _ path: String) throws -> [Float] {
        do { return try tensor.floats() } catch { throw CheckpointError("\(path): \(error)") }
    }

    private static func uint64s(_ tensor: NamedTensor, _ path: String) throws -> [UInt64] {
        do { return try tensor.uint64s() } catch { throw CheckpointError("\(path): \(error)") }
    }
}
