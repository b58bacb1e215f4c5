import ExptrainCheckpoint
import ExptrainExperiment
import ExptrainMPI

/// Where a training run starts from, decided the same way on every rank: its folder
/// (a new one, or the latest resumable run of the tag with `--resume`), the checkpoint it
/// continues (`--resume` or `--checkpoint`, read on rank 0 and broadcast), the seeds, and
/// the trainer state restored from the checkpoint.
///
/// A checkpoint made with another world size keeps its parameters, optimiser, step
/// counts and normalisation statistics, but the run draws new seeds and generator states
/// and starts new episodes and a new 100-episode window (they are per rank).
struct RunSetup {
    let directory: RunDirectory
    let seeds: RunSeeds
    /// The trainer state to continue from (all zero for a new run), with this run's seeds and world size.
    let state: TrainerState
    /// The checkpoint whose parameters and optimiser state the run starts from.
    let checkpoint: (file: SafetensorsFile, path: String)?
    /// Whether the run continues a folder (`--resume` found one).
    let resumed: Bool

    /// - Parameter stages: the pipeline's stage count; a checkpoint past it, or with a
    ///   negative counter, is refused as corrupt.
    static func prepare(tag: String, stages: Int, options: RunOptions, context: RunContext) throws -> RunSetup {
        let world = context.world
        var checkpoint: (file: SafetensorsFile, path: String)?
        let directory: RunDirectory
        var resumed = false
        if options.resume, let (found, path) = try resumable(options: options, tag: tag, world: world) {
            directory = found
            checkpoint = (try TrainerCheckpoint.readBroadcast(path, over: world), path)
            resumed = true
            if world.rank == 0 {
                let unfinished = found.removeUnfinishedWrites()
                if !unfinished.removed.isEmpty {
                    context.info("removed \(unfinished.removed.count) unfinished checkpoint write(s) of an interrupted run: \(unfinished.removed.joined(separator: ", "))")
                }
                if !unfinished.kept.isEmpty {
                    context.info("cannot remove unfinished checkpoint write(s) \(unfinished.kept.joined(separator: ", ")) in \(found.checkpointsPath); they are ignored")
                }
            }
        } else {
            if options.resume { context.info("no checkpoint of \(tag) under \(options.outputDirectory) to resume; starting a new run") }
            directory = try RunDirectory.create(outputDirectory: options.outputDirectory, tag: tag, world: world)
            if let path = options.checkpoint {
                checkpoint = (try TrainerCheckpoint.readBroadcast(path, over: world), path)
            }
        }

        var state = TrainerState()
        var seeds = try RunSeeds.broadcast(seed: options.seed, over: world)
        if let checkpoint {
            state = try TrainerCheckpoint.trainerState(from: checkpoint.file, path: checkpoint.path)
            try checkCounters(of: state, stages: stages, path: checkpoint.path)
            if state.worldSize == world.size {
                seeds = RunSeeds(seeds: state.seeds)
            } else {
                context.info("checkpoint \(checkpoint.path) was made with \(state.worldSize) processes, this run has \(world.size): continuing with new seeds, new episodes and a new 100-episode window (the ranks' state in progress does not carry over)")
                state.generatorStates = []
                state.progress = []
            }
        }
        state.seeds = seeds.seeds
        state.worldSize = world.size
        return RunSetup(directory: directory, seeds: seeds, state: state, checkpoint: checkpoint, resumed: resumed)
    }

    /// A checkpoint's counters as a run can continue them: none negative, and the stage
    /// one of the pipeline's (or just past its last, for a finished run).
    private static func checkCounters(of state: TrainerState, stages: Int, path: String) throws {
        let counters = [
            ("total_steps", state.totalSteps), ("stage_index", state.stageIndex), ("stage_steps", state.stageSteps),
            ("updates", state.updates), ("total_episodes", state.totalEpisodes),
        ]
        if let (key, value) = counters.first(where: { $0.1 < 0 }) {
            throw CheckpointError("\(path) has \(key) \(value) in its metadata, which cannot be negative; it is corrupt")
        }
        guard state.stageIndex <= stages else {
            throw CheckpointError("\(path) is at stage \(state.stageIndex) but the experiment's pipeline has \(stages) stage(s); pass a checkpoint of this pipeline")
        }
    }

    /// The latest run folder of `tag` with a checkpoint, as rank 0 sees it.
    private static func resumable(options: RunOptions, tag: String, world: Communicator) throws -> (RunDirectory, String)? {
        var found = ["", ""]
        if world.rank == 0, let (directory, checkpoint) = RunDirectory.latestResumable(outputDirectory: options.outputDirectory, tag: tag) {
            found = [directory.path, checkpoint]
        }
        try world.broadcast(&found[0], root: 0, label: "run folder to resume")
        try world.broadcast(&found[1], root: 0, label: "checkpoint to resume")
        return found[0].isEmpty ? nil : (RunDirectory(path: found[0]), found[1])
    }
}
