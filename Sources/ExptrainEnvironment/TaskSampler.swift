/// A source of tasks (AllenAct's `TaskSampler`); each rank owns exactly one.
///
/// A training sampler is endless (`length == nil`); a validation or test sampler yields
/// a finite set and then `nil`, until `reset()`. A sampler that cannot make a task
/// throws: `nil` means only "the finite set is exhausted".
///
/// ```swift
/// final class CorridorSampler: TaskSampler {
///     func nextTask() throws -> Corridor? { Corridor() }
///     var length: Int? { nil }
///     var totalUnique: Int? { 1 }
///     func reset() {}
///     func setSeed(_ seed: UInt64) {}
/// }
/// ```
public protocol TaskSampler: AnyObject {
    associatedtype SampledTask: Task

    /// The next task, or `nil` when a finite set is exhausted.
    func nextTask() throws -> SampledTask?
    /// The next task, exactly as `nextTask()` would return it, made by reusing `finished`
    /// (a task the caller is done with, its episode ended or abandoned: the caller does not
    /// use it again)
    /// when the sampler can, so that a new episode need not allocate a new task.
    ///
    /// The default calls `nextTask()`. A sampler that reuses a task must leave nothing of
    /// the old episode: the same draws from its seed stream, the same first observation,
    /// the same `ProgressSaving` words as a new task. It reuses only tasks it could have
    /// made (check the type and anything else the task was made with) and calls
    /// `nextTask()` for any other.
    ///
    /// ```swift
    /// func nextTask(reusing finished: any Task) -> Corridor? {
    ///     guard let corridor = finished as? Corridor else { return nextTask() }
    ///     corridor.restart()  // position 0, no steps taken, not done
    ///     return corridor
    /// }
    /// ```
    func nextTask(reusing finished: any Task) throws -> SampledTask?
    /// Tasks left before `nextTask()` returns `nil`; `nil` for an endless sampler.
    var length: Int? { get }
    /// The number of distinct tasks this sampler can produce, when known.
    var totalUnique: Int? { get }
    /// Starts a finite sampler's set again from its first task.
    func reset()
    /// Reseeds the sampler: the tasks that follow depend only on `seed`.
    func setSeed(_ seed: UInt64)
}

extension TaskSampler {
    public func nextTask(reusing finished: any Task) throws -> SampledTask? { try nextTask() }
}

/// A sampler that can run many of its environments as one batch, stepped with one call
/// (a vector environment, for example one Python worker holding a rank's Gymnasium
/// environments). The engine uses `makeBatch(environments:endless:)` when a sampler
/// offers it, and steps the sampler's tasks one by one through `SequentialTaskBatch`
/// otherwise.
public protocol BatchedTaskSampler: TaskSampler {
    /// `environments` environments as one batch. `endless` is true for training (an
    /// environment whose episode ends starts the next one at once) and false for a finite
    /// validation or test set (an environment stops when the set is exhausted; `nil` when
    /// the set is empty).
    func makeBatch(environments: Int, endless: Bool) throws -> (any TaskBatch)?
}
