import ExptrainMPI

/// DD-PPO's preemption of stragglers (Wijmans et al. 2020): once a fraction of the
/// ranks have finished their rollout, the others stop theirs early, as soon as they
/// have at least a quarter of `numSteps`, so one slow environment does not hold up
/// every rank's update. The update then weighs each rank by the steps it really
/// collected.
///
/// Finished ranks are counted on an `ArrivalBoard`: a rank whose rollout ends tells
/// the others, and slow ranks look at the count between steps. The update's control
/// all-reduce, which every rank reaches only after its rollout, closes the round.
final class StragglerPreemption {
    /// DD-PPO's default: stop stragglers once 60 % of the ranks are done.
    static let defaultFraction = 0.6

    /// The share of ranks that must have finished before the others stop early; 1 turns it off.
    let fraction: Double
    private let world: Communicator
    private let board: ArrivalBoard?
    private let threshold: Int

    /// Every rank makes it with the same `fraction`.
    init(fraction: Double, world: Communicator) {
        self.fraction = fraction
        self.world = world
        let threshold = Int((fraction * Double(world.size)).rounded(.up))
        self.threshold = threshold
        // With one rank, or a threshold every rank must reach itself, nothing can be cut short.
        board = world.size > 1 && threshold < world.size ? ArrivalBoard(world) : nil
    }

    /// Call before each rollout.
    func rolloutStarts() throws {
        try board?.beginRound()
    }

    /// Whether a rollout of `numSteps` steps that has completed `completedSteps` should stop now.
    func shouldStop(completedSteps: Int, numSteps: Int) throws -> Bool {
        guard let board, completedSteps * 4 >= numSteps else { return false }
        return try board.arrivedCount() >= threshold
    }

    /// Call when this rank's rollout has ended (fully or cut short).
    func rolloutEnded() throws {
        try board?.arrive()
    }

    /// Call after the collective that follows every rank's rollout.
    func roundClosed() throws {
        try board?.endRound()
    }
}
