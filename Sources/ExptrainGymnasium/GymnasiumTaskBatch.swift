import ExptrainEnvironment

/// A rank's Gymnasium environments as one `TaskBatch`: one worker process holding them as
/// one `gymnasium.vector.SyncVectorEnv` with same-step autoreset
/// (`AutoresetMode.SAME_STEP`), stepped with one round trip per batch step.
///
/// Same-step autoreset is the `TaskBatch` contract: after a step, an environment whose
/// episode ended already shows its next episode's first observation, and the episode's
/// real last observation (Gymnasium's `infos["final_obs"]`) is the `finalObservation` of
/// its `FinishedEpisode`, from which a truncated episode bootstraps.
///
/// Each environment's return and length are summed here from the rewards as the
/// environment gave them (before any reward normalisation of the trainer). A finite set
/// (`endless: false`) splits the sampler's episodes over the environments; an environment
/// that has played its share stops (`isActive` false) — the worker still steps it with
/// its last action, and its results are ignored.
public final class GymnasiumTaskBatch: TaskBatch {
    public let count: Int
    public let actionSpace: ActionSpace
    public let observationSpace: ObservationSpace
    public let environment: GymnasiumEnvironment
    private let worker: GymnasiumWorker
    private let layout: PayloadLayout
    private var actions: ActionFrame
    private var reply: [UInt8]
    /// The current observation of every environment, row after row.
    private var floats: [Float]
    private var bytes: [UInt8]
    private var returns: [Double]
    private var lengths: [Int]
    /// Episodes each environment may still finish; `nil` for an endless batch.
    private var remaining: [Int]?
    private var active: [Bool]

    /// Starts `environments` environments in `worker` (which has done the handshake),
    /// seeded with `seeds`, one each; `episodes` lists each environment's share of a finite set.
    init(worker: GymnasiumWorker, spaces: GymnasiumSpaces, seeds: [UInt64], episodes: [Int]?) throws(TaskError) {
        precondition(episodes == nil || episodes!.count == seeds.count)
        let n = seeds.count
        count = n
        actionSpace = spaces.actionSpace
        observationSpace = spaces.observationSpace
        environment = worker.environment
        self.worker = worker
        let floatCount = observationSpace.floatCount
        let byteCount = observationSpace.byteCount
        layout = PayloadLayout(environments: n, floatCount: floatCount, byteCount: byteCount)
        actions = ActionFrame(space: actionSpace, environments: n)
        reply = [UInt8](repeating: 0, count: layout.steppedSize)
        floats = [Float](repeating: 0, count: n * floatCount)
        bytes = [UInt8](repeating: 0, count: n * byteCount)
        returns = [Double](repeating: 0, count: n)
        lengths = [Int](repeating: 0, count: n)
        remaining = episodes
        active = episodes?.map { $0 > 0 } ?? [Bool](repeating: true, count: n)
        for e in 0..<n {
            try? actions.set(Self.restingAction(of: actionSpace), environment: e)
        }

        let start = "{\"environments\":\(n),\"seeds\":[" + seeds.map(String.init).joined(separator: ",") + "]}"
        try worker.send(.start, payload: Array(start.utf8), during: "reset")
        var observations: [UInt8] = []
        try worker.receive(.observations, into: &observations, exactly: layout.observationsSize, during: "reset")
        observations.withUnsafeBytes { payload in
            for e in 0..<n {
                withRow(e) { floats, bytes in layout.copyObservation(of: e, from: payload, floats: floats, bytes: bytes) }
            }
        }
    }

    deinit {
        worker.close()
    }

    public func isActive(_ environment: Int) -> Bool { active[environment] }

    public func writeObservation(
        of environment: Int, floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>
    ) {
        let floatCount = observationSpace.floatCount
        let byteCount = observationSpace.byteCount
        precondition(floats.count == floatCount && bytes.count == byteCount, "\(floats.count) floats and \(bytes.count) bytes for an observation of \(observationSpace)")
        self.floats.withUnsafeBufferPointer { source in
            _ = floats.update(fromContentsOf: source[(environment * floatCount)..<((environment + 1) * floatCount)])
        }
        self.bytes.withUnsafeBufferPointer { source in
            _ = bytes.update(fromContentsOf: source[(environment * byteCount)..<((environment + 1) * byteCount)])
        }
    }

    public func expertAction(of environment: Int) -> Action? { nil }

    public func step(_ actions: [Action], into outcome: BatchStepOutcome) throws {
        outcome.finished.removeAll(keepingCapacity: true)
        for e in 0..<count where active[e] {
            try self.actions.set(actions[e], environment: e)
        }
        try worker.send(frame: self.actions.bytes, during: "step")
        try worker.receive(.stepped, into: &reply, exactly: layout.steppedSize, during: "step")
        reply.withUnsafeBytes { payload in
            for e in 0..<count {
                withRow(e) { floats, bytes in layout.copySteppedObservation(of: e, final: false, from: payload, floats: floats, bytes: bytes) }
                guard active[e] else {
                    outcome.record(environment: e, reward: 0, ended: false, terminated: false)
                    continue
                }
                let reward = layout.reward(of: e, in: payload)
                let flags = layout.flags(of: e, in: payload)
                let terminated = flags.contains(.terminated)
                let ended = terminated || flags.contains(.truncated)
                returns[e] += reward
                lengths[e] += 1
                outcome.record(environment: e, reward: Float(reward), ended: ended, terminated: terminated)
                guard ended else { continue }
                var final = Observation(zerosOf: observationSpace)
                final.floats.withUnsafeMutableBufferPointer { floats in
                    final.bytes.withUnsafeMutableBufferPointer { bytes in
                        layout.copySteppedObservation(of: e, final: true, from: payload, floats: floats, bytes: bytes)
                    }
                }
                outcome.finished.append(FinishedEpisode(
                    environment: e,
                    metrics: TaskMetrics(
                        episodeReturn: returns[e], length: lengths[e],
                        success: flags.contains(.successKnown) ? flags.contains(.success) : nil),
                    terminated: terminated, finalObservation: final))
                endEpisode(e)
            }
        }
    }

    /// Resets `environment` in the worker: its episode is abandoned (AllenAct's
    /// `advance_scene_rollout_period`); in a finite set it counts as one of its episodes.
    public func startNextTask(in environment: Int) throws {
        guard active[environment] else { return }
        var index = UInt32(environment).littleEndian
        let payload = withUnsafeBytes(of: &index) { Array($0) }
        try worker.send(.resetOne, payload: payload, during: "reset")
        let frame = PayloadLayout(environments: 1, floatCount: layout.floatCount, byteCount: layout.byteCount)
        var observation: [UInt8] = []
        try worker.receive(.observation, into: &observation, exactly: frame.observationsSize, during: "reset")
        observation.withUnsafeBytes { payload in
            withRow(environment) { floats, bytes in frame.copyObservation(of: 0, from: payload, floats: floats, bytes: bytes) }
        }
        endEpisode(environment)
    }

    /// The worker's process id (for tests and messages).
    public var workerProcessIdentifier: Int32 { worker.pid }

    private func endEpisode(_ e: Int) {
        returns[e] = 0
        lengths[e] = 0
        if remaining != nil {
            remaining![e] -= 1
            if remaining![e] <= 0 { active[e] = false }
        }
    }

    private func withRow(_ e: Int, _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<UInt8>) -> Void) {
        let floatCount = observationSpace.floatCount
        let byteCount = observationSpace.byteCount
        floats.withUnsafeMutableBufferPointer { floats in
            bytes.withUnsafeMutableBufferPointer { bytes in
                body(
                    UnsafeMutableBufferPointer(rebasing: floats[(e * floatCount)..<((e + 1) * floatCount)]),
                    UnsafeMutableBufferPointer(rebasing: bytes[(e * byteCount)..<((e + 1) * byteCount)]))
            }
        }
    }

    /// An action of `space` to send for an environment that has stopped: the first
    /// discrete choice, or the point of the box nearest the origin.
    static func restingAction(of space: ActionSpace) -> Action {
        switch space {
        case .discrete: .discrete(0)
        case .multiDiscrete(let counts): .multiDiscrete([Int](repeating: 0, count: counts.count))
        case .box(let box): .continuous(zip(box.low, box.high).map { min(max(0, $0), $1) })
        }
    }
}
