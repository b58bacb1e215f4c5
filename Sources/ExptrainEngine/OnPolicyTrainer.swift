import ExptrainCheckpoint
import ExptrainEnvironment
import ExptrainExperiment
import ExptrainMetricsLog
import ExptrainMPI
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import ExptrainTensor
import Foundation

/// What a finished training run reports.
public struct TrainingSummary: Sendable {
    public var totalSteps: Int
    public var seconds: Double
    public var episodeReturnMean100: Double?
    public var successMean100: Double?
    public var lastCheckpoint: String?
    public var runDirectory: String
}

/// Trains one experiment on this rank, in lockstep with every other rank (SPEC §1, §4).
///
/// One update, top to bottom (`update(stage:…)`): collect a rollout → compute advantages →
/// for each epoch and minibatch: loss → backward → one all-reduce of the flat gradient
/// buffer → clip by the global norm → optimiser step → metrics. Every rank takes the same
/// optimiser step on the same summed gradients, so parameters stay identical.
final class OnPolicyTrainer<Experiment: ExperimentConfig> {
    private let experiment: Experiment
    private let options: RunOptions
    private let world: Communicator
    private let context: RunContext
    private let tag: String
    private let pipeline: TrainingPipeline

    private let model: Experiment.Model
    private let collector: RolloutCollector
    private let statistics = EpisodeStatistics()
    private var state: TrainerState
    private let runDirectory: RunDirectory
    private var log: RunLog?
    private var diagnostics = DiagnosticSums()
    /// The value and gradient buffers of the tape's minibatch steps, kept from step to step.
    private let tapeBuffers = TensorBufferPool()
    /// An update's minibatch order, shuffled in place each epoch.
    private var order: [Int] = []
    /// The update's small collective, refilled in place.
    private var control: [Double] = []
    /// A log point's metrics, refilled in place.
    private var record: [(String, MetricValue)] = []
    /// A log point's diagnostic sums and counts, reduced over ranks in place.
    private var diagnosticSums: [Double] = []
    /// A log point's diagnostic means, refilled in place.
    private var diagnosticMeans: [(key: String, value: Double)] = []
    /// The minibatch sizes of the last split (`evenlyDistribute` of `units` into the
    /// stage's minibatch count), kept while an update's units and count stay the same.
    private var minibatchSplit: (units: Int, bins: Int, sizes: [Int]) = (0, 0, [])
    private let startTime = Communicator.wallTime()
    private var elapsedBefore = 0.0
    private var lastCheckpoint: String?
    private var lastSavedSteps = -1
    private var lastLog = (steps: 0, time: 0.0)
    private var latestSummary: EpisodeSummary?
    private var stragglers: StragglerPreemption
    /// The gradient all-reduce, set up at the first minibatch step.
    private var gradientReduction: PersistentAllReduce<Float>?
    /// Skips minibatch steps with non-finite numbers and notices a diverged run.
    private lazy var updateGuard = UpdateGuard(maxConsecutiveSkips: options.maxSkippedUpdates, parameterCount: model.parameters.count)
    /// Environments over all ranks.
    private let globalEnvironments: Int
    /// The checkpoint whose optimiser state is loaded once the stage's optimiser exists.
    private var pendingRestore: (file: SafetensorsFile, path: String)?
    /// Where the resumed run's first rollout continues from, restored into the first stage's storage.
    private var pendingContinuation: [UInt64]?

    /// Sets up the run on this rank: where it starts from (`RunSetup`), this rank's sampler
    /// and environments, the model (rank 0's parameters, or the checkpoint's), the collector.
    ///
    /// - Parameter settings: the experiment's settings as `--config` resolved them, for `config.json`.
    init(experiment: Experiment, settings: [(key: String, value: String)], context: RunContext, options: RunOptions) throws {
        self.experiment = experiment
        self.options = options
        self.context = context
        world = context.world
        tag = Experiment.tag

        let machine = try experiment.checkedMachineParams(mode: .train)
        let pipeline = try experiment.trainingPipeline()
        self.pipeline = pipeline
        let environments = try machine.environmentsPerProcess(totalProcesses: world.size)
        globalEnvironments = environments.reduce(0, +)
        try pipeline.validate(experiment: tag, environmentsPerProcess: environments.min()!, recurrent: false)
        context.noteProcessCount(designed: machine.nprocesses, mode: .train, tag: tag)

        let setup = try RunSetup.prepare(tag: tag, stages: pipeline.stages.count, options: options, context: context)
        runDirectory = setup.directory
        state = setup.state
        pendingRestore = setup.checkpoint
        context.info("seeds \(setup.seeds.digest) (rank \(world.rank) uses seed \(setup.seeds.seeds[world.rank]))", everyRank: true)
        if let checkpoint = setup.checkpoint {
            context.info("\(setup.resumed ? "resuming" : "starting") from step \(state.totalSteps) of \(checkpoint.path)")
        }

        let slot = try context.slot(gpuIDs: machine.gpuIDs, seeds: setup.seeds.seeds, options: options)
        let sampler = try context.agreeing(on: "make its sampler") { try experiment.makeSampler(try experiment.trainTaskSamplerArgs(slot)) }
        let progress = state.progress.count == world.size ? state.progress[world.rank] : nil
        if state.totalSteps > 0 && progress?.tasks == nil {
            // A resumed run whose tasks restart must not replay the tasks it has already seen.
            var mixer = RandomGenerator(seed: slot.seed ^ UInt64(state.totalSteps))
            sampler.setSeed(mixer.nextSeed())
        }
        model = try context.agreeing(on: "create the model") { try experiment.createModel(seed: setup.seeds.seeds[0]) }
        let world = world
        try model.parameters.withValues { try world.broadcast($0, root: 0, label: "initial parameters") }
        if let checkpoint = setup.checkpoint {
            try TrainerCheckpoint.restoreParameters(from: checkpoint.file, path: checkpoint.path, tag: tag, into: model.parameters)
        }
        if model.recurrentStateSize > 0 {
            try pipeline.validate(experiment: tag, environmentsPerProcess: environments.min()!, recurrent: true)
        }
        var streams = RandomGenerator(seed: slot.seed)
        collector = try RolloutCollector(
            batch: try sampler.trainingBatch(environments: environments[world.rank]), model: model,
            seed: streams.nextSeed())
        if state.generatorStates.count == world.size {
            collector.generator = RandomGenerator(state: state.generatorStates[world.rank])
        }
        let saved = try setup.checkpoint.map { try TrainerCheckpoint.normalization(from: $0.file, path: $0.path) }
        let normalization = pipeline.normalization
        collector.clipsRewardsToSign = normalization.clipRewardsToSign
        if normalization.observations {
            collector.observationNormalizer = ObservationNormalizer(
                statistic: saved?.observations ?? RunningMeanStd(dimensions: collector.batch.observationSpace.floatCount),
                clip: normalization.observationClip, frozen: false)
        }
        if normalization.rewards {
            let scaler = RewardScaler(
                environments: collector.environments, gamma: Double(try pipeline.resolvedSettings(forStage: state.stageIndex).gamma),
                clip: normalization.rewardClip)
            if let statistic = saved?.rewards { scaler.restore(statistic) }
            collector.rewardScaler = scaler
        }
        // Straggler preemption cuts rollouts by timing: --deterministic turns it off.
        stragglers = StragglerPreemption(
            fraction: options.deterministic
                ? 1 : options.stragglerFraction ?? pipeline.settings.stragglerFraction ?? StragglerPreemption.defaultFraction,
            world: world)
        PreemptionSignal.install()
        if let checkpoint = setup.checkpoint, let progress {
            try resume(from: progress, checkpoint: checkpoint.path)
        } else if setup.checkpoint != nil && state.totalSteps > 0 && state.generatorStates.count == world.size {
            // (At another world size RunSetup has said so already.)
            context.info("the checkpoint holds no state in progress (it predates exptrain saving it): resumed episodes start anew")
        }

        if world.rank == 0 {
            // A resumed run's clock continues from the last log point of its folder.
            elapsedBefore = setup.resumed ? runDirectory.lastLoggedElapsedSeconds() : 0
            log = try RunLog(
                directory: runDirectory, quiet: options.quiet, progress: options.progress, expectedLogPoints: try expectedLogPoints())
            try runDirectory.writeConfig(RunConfigRecord(
                tag: tag, context: context, machine: machine, pipeline: pipeline, seeds: setup.seeds, settings: settings,
                maxSteps: options.maxSteps, resumedFromSteps: state.totalSteps))
        }
    }

    /// Runs the remaining stages of the pipeline and returns the summary (same on every rank).
    func run() throws -> TrainingSummary {
        let maxSteps = options.maxSteps ?? Int.max
        lastLog = (state.totalSteps, Communicator.wallTime())
        context.info("training \(tag) on \(world.size) process(es) × \(collector.environments) environment(s), \(pipeline.totalSteps) steps, output \(runDirectory.path)")

        stages: while state.stageIndex < pipeline.stages.count && state.totalSteps < maxSteps {
            let stage = pipeline.stages[state.stageIndex]
            let settings = try pipeline.resolvedSettings(forStage: state.stageIndex)
            let optimizer = settings.optimizer.makeOptimizer()
            let optimizerName = settings.optimizer.name
            // A checkpoint saved as its stage ended holds that stage's optimiser; the next
            // stage starts with a new one, as it does without the checkpoint.
            if let pending = pendingRestore, state.stageSteps > 0 {
                try TrainerCheckpoint.restoreOptimizer(
                    from: pending.file, path: pending.path, into: optimizer, name: optimizerName,
                    parameterCount: model.parameters.count)
            }
            pendingRestore = nil
            let storage = collector.makeStorage(steps: settings.numSteps)
            if let continuation = pendingContinuation {
                do {
                    try collector.resume(into: storage, from: continuation)
                } catch {
                    throw CheckpointError("cannot continue the saved rollout of rank \(world.rank): \(error)")
                }
                pendingContinuation = nil
            } else {
                collector.start(into: storage)
            }
            let losses = stage.lossNames.map { pipeline.namedLosses[$0]! }
            let weights = stage.effectiveLossWeights
            let fused = FusedMLPStep(model: model, losses: losses, weights: weights)

            var stoppedEarly = false
            while state.stageSteps < stage.maxStageSteps && state.totalSteps < maxSteps && !stoppedEarly {
                let preempted = try update(
                    stage: stage, losses: losses, weights: weights, fused: fused, settings: settings, storage: storage, optimizer: optimizer,
                    learningRate: learningRate(settings))
                if let diverged = updateGuard.divergence {
                    try stop(diverged, learningRate: learningRate(settings), stageBudget: stage.maxStageSteps)
                }
                if preempted {
                    try stop(
                        preemptedWith: optimizer, optimizerName: optimizerName, storage: storage, learningRate: learningRate(settings),
                        stageBudget: stage.maxStageSteps)
                }
                if state.totalSteps >= nextMultiple(of: settings.metricAccumulateInterval, after: lastLog.steps) {
                    let summary = try logPoint(learningRate: learningRate(settings), stageBudget: stage.maxStageSteps)
                    if let rule = stage.earlyStopping, rule.evaluate(progress(summary)) {
                        context.info("stage \(state.stageIndex) stopped early: \(rule)")
                        stoppedEarly = true
                    }
                }
                if settings.saveInterval > 0,
                   state.totalSteps >= nextMultiple(of: settings.saveInterval, after: state.totalSteps - stepsPerUpdate(settings)) {
                    try saveCheckpoint(optimizer: optimizer, optimizerName: optimizerName, storage: storage)
                }
            }
            let stageComplete = stoppedEarly || state.stageSteps >= stage.maxStageSteps
            let finished = (stageComplete && state.stageIndex == pipeline.stages.count - 1) || state.totalSteps >= maxSteps
            if finished && lastLog.steps != state.totalSteps {
                _ = try logPoint(learningRate: learningRate(settings), stageBudget: stage.maxStageSteps)
            }
            if stageComplete {
                state.stageIndex += 1
                state.stageSteps = 0
            }
            if finished {
                if lastSavedSteps != state.totalSteps {
                    try saveCheckpoint(optimizer: optimizer, optimizerName: optimizerName, storage: storage)
                }
                break stages
            }
        }
        log?.close()
        let parameters = model.parameters.withValues { values in digest(values.lazy.map { UInt64($0.bitPattern) }) }
        context.info("parameters \(parameters) after \(state.totalSteps) steps", everyRank: true)
        let statistics = [collector.observationNormalizer?.statistic, collector.rewardScaler?.statistic].compactMap { $0 }
        if !statistics.isEmpty {
            let values = statistics.flatMap { $0.mean + $0.variance + [$0.count] }
            context.info("normalization \(digest(values.lazy.map(\.bitPattern))) after \(state.totalSteps) steps", everyRank: true)
        }
        let seconds = elapsedBefore + Communicator.wallTime() - startTime
        return TrainingSummary(
            totalSteps: state.totalSteps, seconds: seconds, episodeReturnMean100: latestSummary?.returnMean100,
            successMean100: latestSummary?.successMean100, lastCheckpoint: lastCheckpoint, runDirectory: runDirectory.path)
    }

    /// One update: rollout, advantages, then epochs of minibatch steps.
    ///
    /// Returns whether any rank was asked to stop (a preemption signal): every rank
    /// learns it from the same control all-reduce, so all stop after the same update.
    private func update(
        stage: PipelineStage, losses: [any Loss], weights: [Float], fused: FusedMLPStep?, settings: ResolvedTrainingSettings, storage: RolloutStorage,
        optimizer: any Optimizer, learningRate: Float
    ) throws -> Bool {
        let needsExpert = losses.contains { $0.needsExpertActions }
        try stragglers.rolloutStarts()
        let episodeOrder = Double(state.totalSteps) * Double(collector.environments)
        try collector.collect(
            into: storage, expertProbability: stage.teacherForcing?.probability(atStageStep: state.stageSteps) ?? 0,
            recordExpertActions: needsExpert, gamma: settings.gamma, advanceTaskAfter: settings.advanceSceneRolloutPeriod,
            episodeEnded: { [statistics] metrics, index in statistics.record(metrics, order: episodeOrder + Double(index)) },
            stopEarly: { [stragglers] completed in try stragglers.shouldStop(completedSteps: completed, numSteps: storage.steps) })
        try stragglers.rolloutEnded()
        storage.computeAdvantages(gamma: settings.gamma, lambda: settings.gaeLambda, useGAE: settings.useGAE)

        // Minibatches: whole sequences of environments for recurrent models, single steps otherwise.
        let recurrent = model.recurrentStateSize > 0
        let units = recurrent ? collector.environments : storage.collectedSteps * collector.environments
        if minibatchSplit.units != units || minibatchSplit.bins != settings.numMiniBatch {
            minibatchSplit = (units, settings.numMiniBatch, try evenlyDistribute(count: units, into: settings.numMiniBatch))
        }
        let minibatchSizes = minibatchSplit.sizes
        let samplesPerUnit = recurrent ? storage.collectedSteps : 1

        // The update's one small collective: preemption requests, steps collected, each
        // minibatch's sample count over all ranks (ranks cut short contribute fewer), and
        // the sums of the normalisation statistics, which every rank then merges alike.
        let synchronized = collector.synchronizedStatistics
        control.removeAll(keepingCapacity: true)
        control.append(PreemptionSignal.isRequested ? 1 : 0)
        control.append(Double(storage.collectedSteps * collector.environments))
        for size in minibatchSizes { control.append(Double(size * samplesPerUnit)) }
        for statistic in synchronized { control.append(contentsOf: statistic.contribution) }
        try world.allReduce(&control, .sum, label: "end of the rollout of update \(state.updates + 1)")
        try stragglers.roundClosed()
        let globalSteps = Int(control[1])
        var offset = 2 + minibatchSizes.count
        for statistic in synchronized {
            let count = statistic.contribution.count
            statistic.absorb(control[offset..<(offset + count)])
            offset += count
        }

        for _ in 0..<settings.updateRepeats {
            shuffleOrder(count: units)
            var first = 0
            for (index, size) in minibatchSizes.enumerated() {
                let chosen = order[first..<(first + size)]
                first += size
                // Each rank's mean loss weighs by its share of the minibatch's samples over
                // all ranks, so the summed gradients are those of the global mean.
                let share = Float(size * samplesPerUnit) / Float(Int(control[2 + index]))
                // Loss and gradients: the fused MLP step where it applies (the tape's numbers, no graph), else the tape.
                let total: Float
                if let fused, !recurrent {
                    total = fused.step(storage, samples: chosen, gradientScale: share)
                    diagnostics.add(fused.diagnostics)
                } else {
                    total = tapeStep(storage, chosen: Array(chosen), recurrent: recurrent, losses: losses, weights: weights, gradientScale: share)
                }
                diagnostics.add("loss", total)
                updateGuard.poisonGradients(ifNotFinite: total, of: model.parameters)
                try allReduceGradients()
                let norm = clipGlobalNorm(model.parameters, maxNorm: settings.maxGradNorm)
                updateGuard.step(model.parameters, gradientNorm: norm, atStep: state.totalSteps + globalSteps) {
                    optimizer.step(parameters: model.parameters, learningRate: learningRate)
                }
                diagnostics.add("grad_norm", norm)
            }
        }
        storage.carryOverLastStep()
        diagnostics.add("rollout_fraction", Float(globalSteps) / Float(stepsPerUpdate(settings)))
        state.totalSteps += globalSteps
        state.stageSteps += globalSteps
        state.updates += 1
        return control[0] > 0
    }

    /// One minibatch on the tape: the model's forward, the weighted losses, `backward()` of
    /// `gradientScale` times their sum into zeroed gradients. Returns the (unscaled) sum.
    private func tapeStep(
        _ storage: RolloutStorage, chosen: [Int], recurrent: Bool, losses: [any Loss], weights: [Float], gradientScale: Float
    ) -> Float {
        // The graph dies with this call, so the next minibatch's tensors reuse its buffers.
        reusingBuffers(from: tapeBuffers) {
            let batch = recurrent ? Minibatch(storage, environments: chosen) : Minibatch(storage, singleSteps: chosen)
            let output = model.forward(
                observations: batch.observations, masks: batch.masks, hidden: batch.initialHidden,
                steps: batch.steps, environments: batch.environments)
            var total: Tensor?
            for (loss, weight) in zip(losses, weights) {
                let term = loss(batch, output)
                total = total.map { $0 + weight * term.loss } ?? weight * term.loss
                diagnostics.add(term.diagnostics)
            }
            model.parameters.zeroGradients()
            (total! * gradientScale).backward()
            return total!.scalar
        }
    }

    /// Ends a preempted run: a log point, a checkpoint, then `PreemptedError` on every rank.
    private func stop(
        preemptedWith optimizer: any Optimizer, optimizerName: String, storage: RolloutStorage, learningRate: Float, stageBudget: Int
    ) throws -> Never {
        if lastLog.steps != state.totalSteps {
            _ = try logPoint(learningRate: learningRate, stageBudget: stageBudget)
        }
        if lastSavedSteps != state.totalSteps {
            try saveCheckpoint(optimizer: optimizer, optimizerName: optimizerName, storage: storage, validate: false)
        }
        log?.close()
        context.info("preempted at step \(state.totalSteps); checkpoint \(lastCheckpoint ?? "?")")
        throw PreemptedError(checkpoint: lastCheckpoint ?? "", totalSteps: state.totalSteps)
    }

    /// Ends a diverged run: a log point (with its skipped steps), then `DivergedError` on every
    /// rank, naming the run's newest checkpoint; nothing is saved.
    private func stop(_ diverged: DivergedError, learningRate: Float, stageBudget: Int) throws -> Never {
        if lastLog.steps != state.totalSteps {
            _ = try logPoint(learningRate: learningRate, stageBudget: stageBudget)
        }
        log?.close()
        var error = diverged
        error.checkpoint = newestCheckpoint
        throw error
    }

    /// The run folder's newest checkpoint (a resumed run's may predate this process).
    private var newestCheckpoint: String? {
        lastCheckpoint ?? runDirectory.checkpoints().last
    }

    /// Global steps of a full update (no rank cut short).
    private func stepsPerUpdate(_ settings: ResolvedTrainingSettings) -> Int {
        settings.numSteps * globalEnvironments
    }

    /// Sums the gradients over all ranks, in place: one all-reduce of the flat gradient buffer,
    /// set up (persistent) at the first minibatch step, which every rank reaches alike.
    private func allReduceGradients() throws {
        if gradientReduction == nil {
            gradientReduction = try world.persistentAllReduce(model.parameters.withGradients { $0 }, .sum)
        }
        try gradientReduction!.run(label: "gradient all-reduce of update \(state.updates + 1)")
    }

    /// `order` becomes a uniformly random permutation of `0..<count` (Fisher–Yates on the
    /// collector's generator), in the buffer of the previous update.
    private func shuffleOrder(count: Int) {
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: 0..<count)
        // On a local copy of the generator and the array's buffer: a swap through the class's
        // properties checks exclusive access twice per element.
        var generator = collector.generator
        order.withUnsafeMutableBufferPointer { order in
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, generator.nextInt(below: i + 1))
            }
        }
        collector.generator = generator
    }

    // MARK: Log points

    /// The most training log points the remaining stages write: one per
    /// `metricAccumulateInterval` of each stage's steps, and one as each stage ends.
    private func expectedLogPoints() throws -> Int {
        var count = 0
        for index in state.stageIndex..<pipeline.stages.count {
            let interval = try pipeline.resolvedSettings(forStage: index).metricAccumulateInterval
            count += pipeline.stages[index].maxStageSteps / interval + 2
        }
        return count
    }

    private func logPoint(learningRate: Float, stageBudget: Int) throws -> EpisodeSummary {
        diagnostics.pack(into: &diagnosticSums)
        let summary = try statistics.reduce(over: world, extras: &diagnosticSums)
        latestSummary = summary
        state.totalEpisodes += summary.episodes
        let now = Communicator.wallTime()
        let stepsPerSecond = Double(state.totalSteps - lastLog.steps) / max(now - lastLog.time, 1e-9)
        lastLog = (state.totalSteps, now)
        diagnostics.means(diagnosticSums, into: &diagnosticMeans)
        diagnostics.reset()
        let skipped = updateGuard.takeSkippedSinceLastLog()

        guard let log else { return summary }
        record.removeAll(keepingCapacity: true)
        record.append(("step", .integer(state.totalSteps)))
        record.append(("episodes", .integer(state.totalEpisodes)))
        record.append(("episode_return", optional(summary.meanReturn)))
        record.append(("episode_length", optional(summary.meanLength)))
        record.append(("success", optional(summary.successRate)))
        record.append(("episode_return_mean100", optional(summary.returnMean100)))
        record.append(("success_mean100", optional(summary.successMean100)))
        record.append(("steps_per_second", .number(stepsPerSecond)))
        record.append(("elapsed_seconds", .number(elapsedBefore + now - startTime)))
        record.append(("stage", .integer(state.stageIndex)))
        record.append(("learning_rate", .number(Double(learningRate))))
        record.append(("skipped_updates", .integer(skipped)))
        for (key, value) in diagnosticMeans { record.append((key, .number(value))) }
        try log.write(record, step: state.totalSteps, wallTime: Date().timeIntervalSince1970)
        log.show(ProgressLine(
            step: state.stageSteps, totalSteps: stageBudget, stepsPerSecond: stepsPerSecond,
            recentReturn: summary.meanReturn, meanReturnLast100: summary.returnMean100, successRate: summary.successRate))
        return summary
    }

    private func progress(_ summary: EpisodeSummary) -> TrainingProgress {
        TrainingProgress(
            totalSteps: state.totalSteps, stageSteps: state.stageSteps, stageEpisodes: state.totalEpisodes,
            episodeReturnMean100: summary.returnMean100, successMean100: summary.successMean100)
    }

    // MARK: Checkpoints

    /// Restores this rank's state in progress: the tasks (sampler and running episodes),
    /// the episode window, and the rollout continuation (applied when the stage's storage
    /// exists, unless the checkpoint ended a stage).
    private func resume(from progress: RankProgress, checkpoint path: String) throws {
        do {
            try statistics.restoreProgress(progress.episodes)
        } catch {
            throw CheckpointError("\(path): cannot restore the episode window of rank \(world.rank): \(error)")
        }
        guard let tasks = progress.tasks else {
            context.info("the tasks of \(tag) cannot save their state (ProgressSaving): resumed episodes start anew")
            return
        }
        do {
            try collector.batch.restoreProgress(tasks)
        } catch {
            throw CheckpointError("\(path): cannot restore the tasks in progress of rank \(world.rank): \(error)")
        }
        // Saved at a stage's end, the next stage starts its rollouts afresh (`start(into:)`), as it would have.
        pendingContinuation = state.stageSteps > 0 ? progress.continuation : nil
    }

    /// Saves a checkpoint on rank 0, with every rank's generator and state in progress
    /// (gathered in two bounded all-gathers, taken after the update's `carryOverLastStep`).
    private func saveCheckpoint(
        optimizer: any Optimizer, optimizerName: String, storage: RolloutStorage, validate runValidation: Bool = true
    ) throws {
        try updateGuard.checkSavable(
            parameters: model.parameters, optimizer: optimizer,
            statistics: [collector.observationNormalizer?.statistic, collector.rewardScaler?.statistic].compactMap { $0 },
            atStep: state.totalSteps, lastCheckpoint: newestCheckpoint)
        let gathered = try world.allGather(collector.generator.state, label: "generator states for the checkpoint")
        state.generatorStates = (0..<world.size).map { Array(gathered[($0 * 4)..<($0 * 4 + 4)]) }
        let local = RankProgress(
            tasks: collector.batch.savedProgress, continuation: collector.savedContinuation(of: storage), episodes: statistics.savedProgress)
        state.progress = try world.allGatherVariable(local.packed, label: "state in progress for the checkpoint").map(RankProgress.init(packed:))
        let path = runDirectory.checkpointsPath + "/" + TrainerCheckpoint.fileName(totalSteps: state.totalSteps)
        if world.rank == 0 {
            let file = TrainerCheckpoint.contents(
                tag: tag, parameters: model.parameters, optimizer: optimizer, optimizerName: optimizerName, state: state,
                normalization: NormalizationState(
                    observations: collector.observationNormalizer?.statistic, rewards: collector.rewardScaler?.statistic))
            do {
                try file.write(to: path)
            } catch {
                throw ExptrainRunError(
                    "cannot save checkpoint \(path): \(error); \(newestCheckpoint.map { "\($0) is intact: " } ?? "")make room or make the folder writable, then rerun with --resume")
            }
            try runDirectory.removeOldCheckpoints(keepingNewest: options.keepCheckpoints)
        }
        lastCheckpoint = path
        lastSavedSteps = state.totalSteps
        if runValidation {
            try validate(checkpoint: path)
        }
    }

    /// Evaluates the model on the validation set, if the experiment has one, and logs it.
    private func validate(checkpoint: String) throws {
        let evaluator = Evaluator(experiment: experiment, context: context, options: options)
        let frozen = collector.observationNormalizer.map { ObservationNormalizer(statistic: $0.statistic, clip: $0.clip, frozen: true) }
        guard let result = try evaluator.evaluate(
            model: model, normalizer: frozen, mode: .valid, seeds: state.seeds, step: state.totalSteps, checkpoint: checkpoint)
        else { return }
        try log?.write(result.record, step: state.totalSteps, wallTime: Date().timeIntervalSince1970, group: "valid")
    }

    /// The learning rate at the current step.
    private func learningRate(_ settings: ResolvedTrainingSettings) -> Float {
        settings.learningRateDecay.learningRate(atStep: state.totalSteps, initial: settings.learningRate, totalSteps: pipeline.totalSteps)
    }
}

/// The smallest multiple of `interval` that is greater than `value`.
func nextMultiple(of interval: Int, after value: Int) -> Int {
    (value / interval + 1) * interval
}

private func optional(_ value: Double?) -> MetricValue {
    value.map { .number($0) } ?? .null
}
