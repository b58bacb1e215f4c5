import ExptrainMPI

/// DD-PPO's preemption of stragglers (Wijmans et al. 2020): once a fraction of the
/// ranks have finished their rollout, the others stop theirs early, as soon as they
/// have at least a quarter of `numSteps`, so one slow environment does not hold up
/// every rank's update. The update then weighs each rank by the steps it really
/// collected.
///
/// Finished ranks are counted in a `SharedCounter` on rank 0: each rank adds 1 when
/// its rollout ends, and slow ranks read it between steps. Every rank adds exactly
/// once per update and updates are separated by a collective, so the count of update
/// `k` is the counter minus `k · worldSize`.
final class StragglerPreemption {
    /// DD-PPO's default: stop stragglers once 60 % of the ranks are done.
    static let defaultFraction = 0.6

    /// The share of ranks that must have finished before the others stop early; 1 turns it off.
    let fraction: Double
    private let world: Communicator
    private let counter: SharedCounter?
    private let threshold: Int64
    private var updatesCounted: Int64 = 0

    /// Collective: every rank makes it with the same `fraction`.
    init(fraction: Double, world: Communicator) throws {
        self.fraction = fraction
        self.world = world
        let threshold = Int64((fraction * Double(world.size)).rounded(.up))
        self.threshold = threshold
        // With one rank, or a threshold every rank must reach itself, nothing can be cut short.
        counter = world.size > 1 && threshold < world.size ? try world.makeSharedCounter() : nil
    }

    /// Whether a rollout of `numSteps` steps that has completed `completedSteps` should stop now.
    func shouldStop(completedSteps: Int, numSteps: Int) throws -> Bool {
        guard let counter, completedSteps * 4 >= numSteps else { return false }
        return try counter.read() - updatesCounted * Int64(world.size) >= threshold
    }

    /// Records that this rank's rollout has ended (fully or cut short).
    func rolloutEnded() throws {
        try counter?.add(1)
        updatesCounted += 1
    }

    /// Frees the counter (collective).
    func close() throws {
        try counter?.free()
    }
}
