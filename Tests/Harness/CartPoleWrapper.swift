import ExptrainExperiment
import ExptrainTasks

/// CartPole behind a class of the harness's own that changes how a step is taken
/// (`SlowTask`) or what the actions are (`TwoComponentCartPole`); everything else is
/// CartPole's. Subclasses override `step` and, for other actions, `actionSpace`.
class CartPoleWrapper: Task {
    let task: CartPoleTask

    init(_ task: CartPoleTask) {
        self.task = task
    }

    var actionSpace: ActionSpace { task.actionSpace }
    var observationSpace: ObservationSpace { task.observationSpace }
    var currentObservation: Observation { task.currentObservation }
    var numStepsTaken: Int { task.numStepsTaken }
    var maxSteps: Int { task.maxSteps }
    var isDone: Bool { task.isDone }
    func metrics() -> TaskMetrics { task.metrics() }
    func step(action: Action) throws -> StepResult { try task.step(action: action) }
}

/// `CartPoleTaskSampler`'s tasks, each wrapped by `wrap`.
final class WrappedCartPoleSampler<Wrapped: CartPoleWrapper>: TaskSampler {
    private let sampler: CartPoleTaskSampler
    private let wrap: (CartPoleTask) -> Wrapped

    init(_ sampler: CartPoleTaskSampler, wrap: @escaping (CartPoleTask) -> Wrapped) {
        self.sampler = sampler
        self.wrap = wrap
    }

    func nextTask() throws -> Wrapped? { sampler.nextTask().map(wrap) }
    var length: Int? { sampler.length }
    var totalUnique: Int? { sampler.totalUnique }
    func reset() { sampler.reset() }
    func setSeed(_ seed: UInt64) { sampler.setSeed(seed) }
}
